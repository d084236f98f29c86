"""Route modules, one per Cal.com resource. Each exposes `router`."""
