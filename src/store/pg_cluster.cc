#include "store/pg_cluster.h"

#include "store/pg_schema.h"

namespace strongbox::store::pg {

namespace {

std::optional<std::string> NullableText(const Rows& rows, int row, int column) {
  if (rows.null(row, column)) return std::nullopt;
  return std::string(rows.bytes(row, column));
}

}  // namespace

// The node row holds this process's token (statement parameters $1 node id, $4 instance).
constexpr const char* kHoldsNodeId =
    "EXISTS (SELECT 1 FROM strongbox_nodes WHERE node_id = $1 AND instance = $4)";

core::Result<std::map<PartitionId, int64_t>> Heartbeat(Connection& conn, const std::string& node_id,
                                                       const std::string& instance, bool take_over,
                                                       const std::string& advertise_url,
                                                       bool draining,
                                                       const std::vector<PartitionId>& partitions,
                                                       std::chrono::milliseconds lease) {
  std::string array = "{";
  for (PartitionId p : partitions) array += (array.size() > 1 ? "," : "") + std::to_string(p);
  array += "}";
  const std::string now(kDatabaseNowMs);
  std::vector<Rows> results;
  SB_RETURN_IF_ERROR(RunTransaction(
      conn, "BEGIN",
      {{"INSERT INTO strongbox_nodes (node_id, advertise_url, heartbeat, draining, instance) "
        "VALUES ($1, $2, " +
            now +
            ", $3, $4) ON CONFLICT (node_id) DO UPDATE SET advertise_url = "
            "EXCLUDED.advertise_url, heartbeat = EXCLUDED.heartbeat, draining = "
            "EXCLUDED.draining, instance = EXCLUDED.instance WHERE strongbox_nodes.instance = "
            "EXCLUDED.instance OR (CAST($5 AS BOOLEAN) AND (strongbox_nodes.heartbeat <= " +
            now +
            " - $6 OR strongbox_nodes.advertise_url = EXCLUDED.advertise_url)) RETURNING node_id",
        {Param::Text(node_id), Param::Text(advertise_url), Param::Text(draining ? "t" : "f"),
         Param::Text(instance), Param::Text(take_over ? "t" : "f"), Param::Int(lease.count())},
        false,
        true},
       {"UPDATE strongbox_partitions SET lease_expires = " + now +
            " + $2 WHERE partition IN (SELECT partition FROM strongbox_partitions WHERE owner = "
            "$1 AND partition = ANY(CAST($3 AS INTEGER[])) AND " +
            std::string(kHoldsNodeId) +
            " ORDER BY partition FOR UPDATE) RETURNING partition, epoch",
        {Param::Text(node_id), Param::Int(lease.count()), Param::Text(array),
         Param::Text(instance)},
        false,
        true}},
      &results));
  if (results[0].size() == 0 && take_over) {
    // Coordinator::Start's wait saw the row lapse, and it beat again since: a live twin.
    return core::Status::FailedPrecondition("node id '" + node_id +
                                            "' is in use by a live node (it heartbeat from "
                                            "another advertise URL within the lease): every "
                                            "node needs its own --node-id")
        .WithReason("NODE_ID_IN_USE");
  }
  if (results[0].size() == 0) {
    return core::Status::FailedPrecondition(
               "node id '" + node_id +
               "' is now held by another process (this one was paused or cut off past its "
               "lease while a successor started with the same id): this process serves and "
               "claims nothing more; stop it")
        .WithReason("NODE_ID_TAKEN");
  }
  std::map<PartitionId, int64_t> owned;
  const Rows& renewed = results[1];
  for (int i = 0; i < renewed.size(); ++i) {
    owned[static_cast<PartitionId>(renewed.integer(i, 0))] = renewed.integer(i, 1);
  }
  return owned;
}

core::Result<ClusterView> ReadCluster(Connection& conn) {
  const std::string now(kDatabaseNowMs);
  std::vector<Rows> results;
  // One snapshot for both tables (REPEATABLE READ), so a hand-off is never seen half-way.
  SB_RETURN_IF_ERROR(
      RunTransaction(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                     {{"SELECT node_id, advertise_url, " + now +
                           " - heartbeat, draining FROM strongbox_nodes ORDER BY node_id",
                       {},
                       false,
                       true},
                      {"SELECT partition, owner, epoch, lease_expires - " + now +
                           ", commit_seq, handoff_to FROM strongbox_partitions ORDER BY partition",
                       {},
                       false,
                       true}},
                     &results));
  ClusterView view;
  const Rows& nodes = results[0];
  for (int i = 0; i < nodes.size(); ++i) {
    view.nodes.push_back(NodeRow{std::string(nodes.bytes(i, 0)), std::string(nodes.bytes(i, 1)),
                                 nodes.integer(i, 2), nodes.bytes(i, 3) == "t"});
  }
  const Rows& partitions = results[1];
  for (int i = 0; i < partitions.size(); ++i) {
    view.partitions.push_back(PartitionRow{static_cast<PartitionId>(partitions.integer(i, 0)),
                                           NullableText(partitions, i, 1), partitions.integer(i, 2),
                                           partitions.integer(i, 3), partitions.integer(i, 4),
                                           NullableText(partitions, i, 5)});
  }
  return view;
}

core::Result<std::optional<PartitionClaim>> ClaimPartition(Connection& conn,
                                                           const std::string& node_id,
                                                           const std::string& instance,
                                                           PartitionId partition,
                                                           std::chrono::milliseconds lease) {
  const std::string now(kDatabaseNowMs);
  // A released partition keeps lease_expires = release time + lease while it is handed to a
  // successor (ReleasePartition), so others wait for the successor that long, no longer.
  SB_ASSIGN_OR_RETURN(
      Rows rows,
      conn.Run(
          "UPDATE strongbox_partitions SET owner = $1, epoch = epoch + 1, lease_expires = " + now +
              " + $3, handoff_to = NULL WHERE partition = $2 AND (owner = $1 OR (owner IS NULL "
              "AND handoff_to = $1) OR lease_expires <= " +
              now + " OR (owner IS NULL AND handoff_to IS NULL)) AND " + kHoldsNodeId +
              " RETURNING epoch, commit_seq",
          {Param::Text(node_id), Param::Int(partition), Param::Int(lease.count()),
           Param::Text(instance)}));
  if (rows.size() != 1) return std::optional<PartitionClaim>();
  return std::optional<PartitionClaim>(PartitionClaim{rows.integer(0, 0), rows.integer(0, 1)});
}

core::Result<std::set<PartitionId>> ConfirmClaims(
    Connection& conn, const std::string& node_id,
    const std::map<PartitionId, PartitionClaim>& claims, std::chrono::milliseconds lease) {
  const std::string now(kDatabaseNowMs);
  std::vector<Statement> statements;
  for (const auto& [p, claim] : claims) {
    statements.push_back(
        {"UPDATE strongbox_partitions SET lease_expires = " + now +
             " + $4 WHERE partition = $1 AND owner = $2 AND epoch = $3 "
             "RETURNING partition",
         {Param::Int(p), Param::Text(node_id), Param::Int(claim.epoch), Param::Int(lease.count())},
         false,
         true});
  }
  std::vector<Rows> results;
  SB_RETURN_IF_ERROR(RunTransaction(conn, "BEGIN", std::move(statements), &results));
  std::set<PartitionId> confirmed;
  for (const Rows& rows : results) {
    if (rows.size() == 1) confirmed.insert(static_cast<PartitionId>(rows.integer(0, 0)));
  }
  return confirmed;
}

core::Result<bool> ReleasePartition(Connection& conn, const std::string& node_id,
                                    PartitionId partition, int64_t epoch,
                                    const std::string& successor, std::chrono::milliseconds lease) {
  const std::string now(kDatabaseNowMs);
  // With a successor, the lease window stays open for it alone (see ClaimPartition); without
  // one the partition is free at once.
  SB_ASSIGN_OR_RETURN(
      Rows rows,
      conn.Run("UPDATE strongbox_partitions SET owner = NULL, handoff_to = NULLIF($4, ''), "
               "lease_expires = CASE WHEN $4 = '' THEN 0 ELSE " +
                   now + " + $5 END WHERE partition = $1 AND owner = $2 AND epoch = $3",
               {Param::Int(partition), Param::Text(node_id), Param::Int(epoch),
                Param::Text(successor), Param::Int(lease.count())}));
  return rows.affected() == 1;
}

core::Status Deregister(Connection& conn, const std::string& node_id, const std::string& instance) {
  auto done = conn.Run("DELETE FROM strongbox_nodes WHERE node_id = $1 AND instance = $2",
                       {Param::Text(node_id), Param::Text(instance)});
  return done.ok() ? core::Status::Ok() : done.status();
}

}  // namespace strongbox::store::pg
