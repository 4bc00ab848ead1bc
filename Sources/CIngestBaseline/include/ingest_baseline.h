#ifndef SMTQ_INGEST_BASELINE_H
#define SMTQ_INGEST_BASELINE_H

/// The benchmark baseline: a plain sqlite3 C-API loop inserting `units` units with `defects_per_unit`
/// defects each into an existing smtq database (same tables and indexes), `batch` units per transaction,
/// WAL and synchronous=NORMAL. Returns the elapsed seconds, or a negative number on an SQLite error.
double smtq_baseline_ingest(const char *path, int units, int defects_per_unit, int batch, long long first_time_us);

#endif
