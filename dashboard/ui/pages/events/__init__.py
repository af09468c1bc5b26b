"""The Events page: Kubernetes Events about every watched kind, across objects."""
