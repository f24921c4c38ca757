#pragma once
// For tests: a throwaway PostgreSQL server (scripts/postgres, fsync off) on a unix socket in a
// temporary directory, started on first use, stopped and removed when the test binary exits,
// with a fresh database per test.

#include <libpq-fe.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "common/temp_dir.h"

namespace stratus::store::testing {

class TestPostgres {
 public:
  // The process's server, started on first call; null when it cannot start (no PostgreSQL).
  static TestPostgres* get() {
    static std::unique_ptr<TestPostgres> server = start();
    return server.get();
  }

  ~TestPostgres() { std::system(("'" + script() + "' stop '" + dir_.path().string() + "' >/dev/null 2>&1").c_str()); }

  // The URL of a new, empty database on the server.
  std::string new_database() {
    static std::atomic<int> counter{0};
    std::string name = "test_" + std::to_string(counter++);
    PGconn* admin = PQconnectdb(url("stratus").c_str());
    PQclear(PQexec(admin, ("CREATE DATABASE " + name).c_str()));
    PQfinish(admin);
    return url(name);
  }

  // Runs `sql` on the database at `database_url` as the superuser; false when it fails.
  static bool run(const std::string& database_url, const std::string& sql) {
    PGconn* c = PQconnectdb(database_url.c_str());
    PGresult* result = PQexec(c, sql.c_str());
    bool ok = PQresultStatus(result) == PGRES_COMMAND_OK || PQresultStatus(result) == PGRES_TUPLES_OK;
    PQclear(result);
    PQfinish(c);
    return ok;
  }

 private:
  TestPostgres() = default;

  static std::string script() { return std::string(STRATUS_SOURCE_DIR) + "/scripts/postgres"; }

  static std::unique_ptr<TestPostgres> start() {
    std::unique_ptr<TestPostgres> server(new TestPostgres());
    std::string command =
        "'" + script() + "' start '" + server->dir_.path().string() + "' --no-fsync >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) return nullptr;
    return server;
  }

  std::string url(const std::string& database) const {
    return "postgresql:///" + database + "?host=" + dir_.path().string() + "&user=stratus";
  }

  TempDir dir_{"postgres"};
};

}  // namespace stratus::store::testing
