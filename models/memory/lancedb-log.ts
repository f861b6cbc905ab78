/**
 * LanceDB's native module reads its log filter (`LANCEDB_LOG`, env_logger
 * syntax) once, when it loads; every module that loads it imports this first.
 *
 * The default keeps LanceDB's warnings but one: LanceDB 0.31 logs a
 * deprecation warning on every full-text search that selects columns
 * without `_score` ("in the future it will not be included"), yet refuses
 * `_score` in the selection. Text search selects only `id` (half the cost of
 * whole rows) and reads the score LanceDB still adds; the vector-mirror
 * tests compare those scores with whole-row searches, so a LanceDB that
 * drops them fails there, not silently. A `LANCEDB_LOG` set by the user wins.
 */
process.env.LANCEDB_LOG ??= 'warn,lance::dataset::scanner=error';
