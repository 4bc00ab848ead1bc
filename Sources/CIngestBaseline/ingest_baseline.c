#include "ingest_baseline.h"

#include <sqlite3.h>
#include <stdio.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double smtq_baseline_ingest(const char *path, int units, int defects_per_unit, int batch, long long first_time_us) {
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK) return -1;
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, NULL);
    sqlite3_stmt *unit = NULL, *defect = NULL;
    const char *unit_sql =
        "INSERT INTO units (device_id, station_id, program_id, serial, position, result, cycle_ms, time, device_time,"
        " host_time, source_seq, first_pass, defect_count, false_call_count, has_defects, has_measurements)"
        " VALUES (1, 1, 1, ?, 1, ?, 1200, ?, NULL, ?, ?, 1, ?, 0, 1, 0)";
    const char *defect_sql =
        "INSERT INTO defects (unit_id, slot, refdes, part, code, category, verdict) VALUES (?, ?, ?, 'CAP-0402', ?, ?, 0)";
    if (sqlite3_prepare_v2(db, unit_sql, -1, &unit, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, defect_sql, -1, &defect, NULL) != SQLITE_OK) {
        fprintf(stderr, "baseline: %s\n", sqlite3_errmsg(db));
        sqlite3_close(db);
        return -1;
    }
    static const char *codes[] = {"BRIDGE", "MISSING", "TOMBSTONE"};
    static const char *categories[] = {"bridge", "missing", "tombstone"};
    char serial[32], refdes[16];
    double start = now_seconds();
    int rc = SQLITE_OK;
    for (int i = 0; i < units && rc == SQLITE_OK; i++) {
        if (i % batch == 0) sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        snprintf(serial, sizeof serial, "CB%09d", i);
        long long t = first_time_us + (long long)i * 1000000LL;
        sqlite3_bind_text(unit, 1, serial, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(unit, 2, i % 10 == 0);
        sqlite3_bind_int64(unit, 3, t);
        sqlite3_bind_int64(unit, 4, t);
        sqlite3_bind_int(unit, 5, i & 0xFFFF);
        sqlite3_bind_int(unit, 6, defects_per_unit);
        rc = sqlite3_step(unit) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        sqlite3_reset(unit);
        long long id = sqlite3_last_insert_rowid(db);
        for (int d = 0; d < defects_per_unit && rc == SQLITE_OK; d++) {
            snprintf(refdes, sizeof refdes, "C%d", (i + d) % 50);
            sqlite3_bind_int64(defect, 1, id);
            sqlite3_bind_int(defect, 2, d);
            sqlite3_bind_text(defect, 3, refdes, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(defect, 4, codes[d % 3], -1, SQLITE_STATIC);
            sqlite3_bind_text(defect, 5, categories[d % 3], -1, SQLITE_STATIC);
            rc = sqlite3_step(defect) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
            sqlite3_reset(defect);
        }
        if (i % batch == batch - 1 || i == units - 1) sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    double elapsed = now_seconds() - start;
    if (rc != SQLITE_OK) fprintf(stderr, "baseline: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(unit);
    sqlite3_finalize(defect);
    sqlite3_close(db);
    return rc == SQLITE_OK ? elapsed : -1;
}
