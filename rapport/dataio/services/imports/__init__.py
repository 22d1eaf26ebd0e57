"""Importing customer records and sales data from CSV, Excel and vCard files."""
