"""Intent agreements: the rules live in services.py; their pages are part of the engagement page."""
