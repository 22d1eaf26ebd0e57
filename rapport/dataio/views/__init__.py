"""dataio views, one module per part (imports, dedup, exports, health, backups)."""
