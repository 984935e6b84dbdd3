#pragma once
// One `casebot serve` per database. Two would each run a delivery worker over the same
// outbox and post messages twice, and each would keep the directory tables from its
// own configuration. The lock is an flock(2) on "<database>.serve-lock", held for the
// process's life and released by the kernel however it ends; SQLite's own locks on the
// database file are fcntl(2) locks, which this file does not touch.
#include <string>

namespace bot::app {

class instance_lock {
public:
    // Takes the lock for `database` or throws startup_error naming the holder's lock
    // file. An in-memory database (":memory:") needs none.
    explicit instance_lock(const std::string& database);
    ~instance_lock();
    instance_lock(const instance_lock&) = delete;
    instance_lock& operator=(const instance_lock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace bot::app
