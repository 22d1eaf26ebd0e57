"""Demo and synthetic data, kept apart from the production import.

`demo_set` builds the small bilingual demo set through the services (`sales` its sales part),
`bulk` and `bulk_sales` load benchmark-sized data with raw SQL, `names` and `sales_names` are
their word lists, and `dedup_testdata` makes labelled duplicate records for measuring the
duplicate scan. `manage.py seed_demo`, the tests and `bench/` use them; the import, export,
dedup and merge code never imports this package (the table writer both use is
`rapport.dataio.tablewriter`).
"""
