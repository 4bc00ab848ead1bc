/// SQL conditions for a resolved scope (station ids, program id, a time window) with bound arguments;
/// `table` prefixes the columns (e.g. `u.`). The SQL reads alike on SQLite and PostgreSQL.
public struct ScopeConditions {
    public var clauses: [String] = []
    public var arguments: [SQLValue] = []

    /// `programs` limits the rows to a set of programs (a customer's products) besides `program`.
    public init(stations: [Int64]?, program: Int64?, programs: [Int64]? = nil, since: Int64?, until: Int64?, table: String = "",
                timeColumn: String = "time") {
        if let stations {
            clauses.append("\(table)station_id IN (\(sqlPlaceholders(stations.count)))")
            arguments += stations.map { .integer($0) }
        }
        if let program {
            clauses.append("\(table)program_id = ?")
            arguments.append(.integer(program))
        }
        if let programs {
            clauses.append("\(table)program_id IN (\(sqlPlaceholders(programs.count)))")
            arguments += programs.map { .integer($0) }
        }
        if let since {
            clauses.append("\(table)\(timeColumn) >= ?")
            arguments.append(.integer(since))
        }
        if let until {
            clauses.append("\(table)\(timeColumn) < ?")
            arguments.append(.integer(until))
        }
    }

    public var sql: String { clauses.isEmpty ? "1=1" : clauses.joined(separator: " AND ") }
}
