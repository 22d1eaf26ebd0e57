"""dataio selectors, one module per part (imports, dedup, exports, health, backups)."""
