#include "support/unwritable_directory.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace massmigration::test {

UnwritableDirectory::UnwritableDirectory(std::filesystem::path path) : path_(std::move(path)) {
  std::filesystem::create_directory(path_);
  std::filesystem::permissions(
      path_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec |
                 std::filesystem::perms::group_read | std::filesystem::perms::group_exec |
                 std::filesystem::perms::others_read | std::filesystem::perms::others_exec);
  if (refuses_new_files()) return;
  // Root: the permission bits were ignored.
  immutable_ = set_immutable(true);
  if (!immutable_) {
    failure_ = "running as root, and " + path_.string() +
               " cannot be made immutable: " + std::strerror(errno);
  } else if (!refuses_new_files()) {
    failure_ = "files can still be created in the immutable directory " + path_.string();
  }
}

UnwritableDirectory::~UnwritableDirectory() {
  if (immutable_) set_immutable(false);
  std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::add);
}

bool UnwritableDirectory::refuses_new_files() const {
  const std::filesystem::path probe = path_ / "probe";
  const int fd = ::open(probe.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return true;
  ::close(fd);
  ::unlink(probe.c_str());
  return false;
}

bool UnwritableDirectory::set_immutable(bool on) const {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  int flags = 0;
  bool done = ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
  if (done) {
    flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
    done = ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
  }
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return done;
}

}  // namespace massmigration::test
