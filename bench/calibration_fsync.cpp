// The disk's calibration kernel, linked into the store bench: one small append to a file in /tmp
// followed by fdatasync, what one synced WAL write costs on this disk right now. A busy shared disk
// slows the fsync-bound RocksDB appends tenfold and the CPU kernel (calibration.cpp) cannot see
// that; scripts/bench_compare.py uses this kernel to tell such a phase from a slower append.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

namespace {

constexpr std::size_t record_bytes = 512;  // about one message's WAL record
constexpr std::size_t records_per_file = 4096;

void BM_CalibrationFsync(benchmark::State& state) {
  std::string path = "/tmp/parley-fsync-calibration-XXXXXX";  // where the store bench's RocksDB lives
  const int fd = mkstemp(path.data());
  if (fd < 0) {
    state.SkipWithError("mkstemp failed");
    return;
  }
  unlink(path.c_str());  // the file lives as long as fd
  const std::string record(record_bytes, 'w');
  std::size_t written = 0;
  for (auto _ : state) {
    if (written == records_per_file) {  // keep the file small: a WAL is recycled too
      state.PauseTiming();
      written = ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0 ? 0 : written;
      state.ResumeTiming();
    }
    if (write(fd, record.data(), record.size()) != static_cast<ssize_t>(record.size()) || fdatasync(fd) != 0) {
      state.SkipWithError("write or fdatasync failed");
      break;
    }
    ++written;
  }
  close(fd);
}
BENCHMARK(BM_CalibrationFsync)->UseRealTime();

}  // namespace
