#include "ops/backups.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/utilities/backup_engine.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>

#include "store/rocks_status.h"

namespace strongbox::ops {

namespace asio = boost::asio;
using core::Result;
using core::Status;

namespace {

BackupInfo ToInfo(const rocksdb::BackupInfo& info) {
  BackupInfo out;
  out.id = info.backup_id;
  out.create_time = core::Timestamp(std::chrono::seconds(info.timestamp));
  out.size_bytes = info.size;
  out.files = info.number_files;
  return out;
}

}  // namespace

Backups::Backups(store::Engine* engine, std::string dir, rocksdb::BackupEngine* backup_engine)
    : engine_(engine), dir_(std::move(dir)), backup_engine_(backup_engine) {}

Backups::~Backups() { worker_.join(); }

Result<std::unique_ptr<Backups>> Backups::Open(store::Engine* engine, std::string backup_dir) {
  std::error_code ec;
  std::filesystem::create_directories(backup_dir, ec);
  if (ec) return Status::Internal("cannot create backup dir " + backup_dir + ": " + ec.message());
  rocksdb::BackupEngineOptions options(backup_dir);
  options.share_table_files = true;
  options.sync = true;
  rocksdb::BackupEngine* raw = nullptr;
  SB_RETURN_IF_ERROR(
      store::ToStatus(rocksdb::BackupEngine::Open(options, rocksdb::Env::Default(), &raw)));
  return std::unique_ptr<Backups>(new Backups(engine, std::move(backup_dir), raw));
}

Result<BackupInfo> Backups::CreateNow(size_t keep) {
  rocksdb::CreateBackupOptions options;
  // Flushing first makes the backup exactly the live SST files: everything acknowledged
  // before this call is in them; writes during the copy go to new files, not these.
  options.flush_before_backup = true;
  rocksdb::BackupID id = 0;
  {
    // The database stays open for the whole copy (a storage-fault reopen waits for it).
    auto hold = engine_->SharedAccess();
    if (engine_->db() == nullptr) {
      return Status::Unavailable("Storage is recovering from a fault; retry the backup later.");
    }
    SB_RETURN_IF_ERROR(
        store::ToStatus(backup_engine_->CreateNewBackup(options, engine_->db(), &id)));
  }
  rocksdb::BackupInfo info;
  SB_RETURN_IF_ERROR(store::ToStatus(backup_engine_->GetBackupInfo(id, &info)));
  if (keep > 0) {
    SB_RETURN_IF_ERROR(
        store::ToStatus(backup_engine_->PurgeOldBackups(static_cast<uint32_t>(keep))));
  }
  return ToInfo(info);
}

Status Backups::Unsupported() const {
  return Status::FailedPrecondition(unsupported_).WithReason("STORAGE_MODE");
}

std::unique_ptr<Backups> Backups::Unsupported(std::string reason) {
  std::unique_ptr<Backups> backups(new Backups(nullptr, "", nullptr));
  backups->unsupported_ = std::move(reason);
  return backups;
}

asio::awaitable<Result<BackupInfo>> Backups::Create(size_t keep) {
  if (!unsupported_.empty()) co_return Unsupported();
  auto result = co_await asio::co_spawn(
      worker_, [this, keep]() -> asio::awaitable<Result<BackupInfo>> { co_return CreateNow(keep); },
      asio::use_awaitable);
  co_return result;
}

asio::awaitable<Result<std::vector<BackupInfo>>> Backups::List() {
  if (!unsupported_.empty()) co_return Unsupported();
  auto result = co_await asio::co_spawn(
      worker_,
      [this]() -> asio::awaitable<Result<std::vector<BackupInfo>>> {
        std::vector<rocksdb::BackupInfo> infos;
        backup_engine_->GetBackupInfo(&infos);
        std::vector<BackupInfo> out;
        for (const auto& info : infos) out.push_back(ToInfo(info));
        co_return out;
      },
      asio::use_awaitable);
  co_return result;
}

asio::awaitable<Status> Backups::Delete(uint32_t id) {
  if (!unsupported_.empty()) co_return Unsupported();
  auto status = co_await asio::co_spawn(
      worker_,
      [this, id]() -> asio::awaitable<Status> {
        rocksdb::BackupInfo info;
        if (!backup_engine_->GetBackupInfo(id, &info).ok()) {
          co_return Status::NotFound("Backup " + std::to_string(id) + " not found.");
        }
        co_return store::ToStatus(backup_engine_->DeleteBackup(id));
      },
      asio::use_awaitable);
  co_return status;
}

Status Backups::Restore(const std::string& backup_dir, std::optional<uint32_t> id,
                        const std::string& data_dir) {
  std::error_code ec;
  if (std::filesystem::exists(data_dir, ec) && !std::filesystem::is_empty(data_dir, ec)) {
    return Status::FailedPrecondition("the data dir " + data_dir +
                                      " is not empty; restore only into an empty directory");
  }
  if (!std::filesystem::is_directory(backup_dir, ec)) {
    return Status::NotFound("no backup directory " + backup_dir);
  }
  rocksdb::BackupEngineOptions options(backup_dir);
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  SB_RETURN_IF_ERROR(
      store::ToStatus(rocksdb::BackupEngineReadOnly::Open(options, rocksdb::Env::Default(), &raw)));
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  std::vector<rocksdb::BackupInfo> infos;
  engine->GetBackupInfo(&infos);
  if (infos.empty()) return Status::NotFound("no backups in " + backup_dir);
  if (id) {
    rocksdb::BackupInfo info;
    if (!engine->GetBackupInfo(*id, &info).ok()) {
      return Status::NotFound("no backup " + std::to_string(*id) + " in " + backup_dir);
    }
    return store::ToStatus(engine->RestoreDBFromBackup(*id, data_dir, data_dir));
  }
  return store::ToStatus(engine->RestoreDBFromLatestBackup(data_dir, data_dir));
}

}  // namespace strongbox::ops
