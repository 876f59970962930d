"""Groups: the pure policy (when to speak) and the service that warns, checks admins and votes."""
