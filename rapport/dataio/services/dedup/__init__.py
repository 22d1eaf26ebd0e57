"""Duplicate detection of persons: normalising (`normalize`), scoring a pair (`scoring`),
choosing the pairs to score (`blocking`, `matching`), the database scan (`scan`) and the review
queue's decisions (`review`). Merging is `rapport.dataio.services.merge`."""
