"""Profile notes for the results file: what the profiler showed, kept beside the code.

Why a module and not generated text: a profile needs reading, not just printing. These
notes are written by whoever profiled last (``python -m benchmarks.profile_sync``) and are
copied into every results file so a table never travels without its explanation.
"""

PROFILE_NOTES = """\
(not profiled yet)
"""
