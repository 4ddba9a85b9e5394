"""The inbox: where each notification leads, read and unread, and each role's to-do list."""
