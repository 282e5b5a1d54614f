"""Shared helpers without models. Business rules live in each app's services.py."""
