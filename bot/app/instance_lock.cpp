#include "bot/app/instance_lock.hpp"

#include "bot/app/app_setup.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bot::app {

instance_lock::instance_lock(const std::string& database)
{
    if (database == ":memory:")
        return;
    auto const path = database + ".serve-lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0)
        throw startup_error("cannot create " + path + ": " + std::strerror(errno) + directory_hint(database));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        auto const why = errno;
        ::close(fd_);
        fd_ = -1;
        if (why == EWOULDBLOCK)
            throw startup_error("another casebot serve is running on " + database + " (it holds " + path +
                                "): a second one would send every message twice");
        throw startup_error("cannot lock " + path + ": " + std::strerror(why));
    }
}

instance_lock::~instance_lock()
{
    if (fd_ >= 0)
        ::close(fd_);
}

}  // namespace bot::app
