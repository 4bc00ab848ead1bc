import GRDB

/// SQL conditions for a resolved scope (station ids, program id, a time window) with bound arguments;
/// `table` prefixes the columns (e.g. `u.`).
public struct ScopeConditions {
    public var clauses: [String] = []
    public var arguments: StatementArguments = []

    /// `programs` limits the rows to a set of programs (a customer's products) besides `program`.
    public init(stations: [Int64]?, program: Int64?, programs: [Int64]? = nil, since: Int64?, until: Int64?, table: String = "",
                timeColumn: String = "time") {
        if let stations {
            clauses.append("\(table)station_id IN (\(stations.isEmpty ? "NULL" : stations.map { _ in "?" }.joined(separator: ",")))")
            _ = arguments.append(contentsOf: StatementArguments(stations))
        }
        if let program {
            clauses.append("\(table)program_id = ?")
            _ = arguments.append(contentsOf: [program])
        }
        if let programs {
            clauses.append("\(table)program_id IN (\(programs.isEmpty ? "NULL" : programs.map { _ in "?" }.joined(separator: ",")))")
            _ = arguments.append(contentsOf: StatementArguments(programs))
        }
        if let since {
            clauses.append("\(table)\(timeColumn) >= ?")
            _ = arguments.append(contentsOf: [since])
        }
        if let until {
            clauses.append("\(table)\(timeColumn) < ?")
            _ = arguments.append(contentsOf: [until])
        }
    }

    public var sql: String { clauses.isEmpty ? "1" : clauses.joined(separator: " AND ") }
}
