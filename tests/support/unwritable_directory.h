// A directory in which this process cannot create files, for tests of "permission denied".
//
// Permission bits alone do not do it when the tests run as root, which bypasses them
// (CAP_DAC_OVERRIDE): root creates files in a mode 0555 directory. So after clearing the
// write bits, the directory is tried; if a file can still be created there, it is also made
// immutable (chattr +i: FS_IMMUTABLE_FL, which root needs CAP_LINUX_IMMUTABLE to set and
// which stops root too). Where neither works (an unprivileged container on a file system
// without the flag), failure() says so and the test should skip.
#ifndef MASSMIGRATION_TESTS_SUPPORT_UNWRITABLE_DIRECTORY_H_
#define MASSMIGRATION_TESTS_SUPPORT_UNWRITABLE_DIRECTORY_H_

#include <filesystem>
#include <string>

namespace massmigration::test {

class UnwritableDirectory {
 public:
  // Creates `path` (its parent must exist) and makes it unwritable.
  explicit UnwritableDirectory(std::filesystem::path path);
  // Makes it writable again, so that the temporary directory holding it can be removed.
  ~UnwritableDirectory();
  UnwritableDirectory(const UnwritableDirectory&) = delete;
  UnwritableDirectory& operator=(const UnwritableDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Empty when no file can be created in path(); otherwise why it could not be arranged.
  const std::string& failure() const { return failure_; }

 private:
  bool refuses_new_files() const;
  bool set_immutable(bool on) const;

  std::filesystem::path path_;
  bool immutable_ = false;
  std::string failure_;
};

}  // namespace massmigration::test

#endif  // MASSMIGRATION_TESTS_SUPPORT_UNWRITABLE_DIRECTORY_H_
