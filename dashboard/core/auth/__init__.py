"""Who is asking and what they may see: identity, authorization, origins and redaction."""
