"""Duplicate detection of persons and companies: normalising (`normalize`), scoring a pair
(`scoring`, `companies`), choosing the pairs to score (`blocking`, `matching`), loading records
(`profiles`), the database scan (`scan`) and the review queue's decisions (`review`). Merging
is `merge`."""
