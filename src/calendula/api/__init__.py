"""HTTP entry point (FastAPI): parses requests, calls one service, renders Cal.com shapes."""
