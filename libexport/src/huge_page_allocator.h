// HugePageAllocator: the allocator of the big buffers of a bulk write.
#ifndef LIBEXPORT_SRC_HUGE_PAGE_ALLOCATOR_H_
#define LIBEXPORT_SRC_HUGE_PAGE_ALLOCATOR_H_

#include <sys/mman.h>

#include <cstddef>
#include <new>

namespace libexport::internal {

// An allocator for the big buffers of a bulk write: blocks of 4 MiB or more
// come from anonymous mappings that ask for transparent huge pages (one page
// fault per 2 MiB instead of per 4 KiB, which is most of the cost of fresh
// memory on some VMs); smaller ones from operator new.
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr size_t kMinBytes = size_t{4} << 20;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kMinBytes) return static_cast<T*>(::operator new(bytes));
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    ::madvise(p, bytes, MADV_HUGEPAGE);  // a hint; may be refused
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kMinBytes) {
      ::operator delete(p);
    } else {
      ::munmap(p, bytes);
    }
  }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
};

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_HUGE_PAGE_ALLOCATOR_H_
