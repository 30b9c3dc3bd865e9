// The test NVTX tool of nvtx_recorder.hpp. NVTX calls
// InitializeInjectionNvtx2 once per instance of its implementation (each
// shared object that includes the header-only NVTX3 has its own); each call
// hands the tool that instance's function tables, where it installs its
// callbacks.
#include "nvtx_recorder.hpp"

#include <deque>
#include <mutex>

#define NVTX_NO_IMPL
#include <nvtx3/nvToolsExt.h>

/// A domain as the tool sees it: nvtxDomainHandle_t points to one.
struct nvtxDomainRegistration_st {
  std::string name;
};

namespace nvtx_recorder {

namespace {

struct recorder {
  std::mutex mutex;
  int initializations = 0;                       // guarded by mutex
  std::vector<event> events;                     // guarded by mutex
  std::deque<nvtxDomainRegistration_st> domains; // guarded by mutex; never shrinks
};

recorder& the_recorder() {
  static recorder instance;
  return instance;
}

/// The ranges open on this thread, innermost last: a pop names the range
/// it closes. Per domain (nullptr: outside a domain), as NVTX nests them.
struct open_range {
  const nvtxDomainRegistration_st* domain;
  std::string name;
};
thread_local std::vector<open_range> open_ranges;

std::string message_of(const nvtxEventAttributes_t* attributes) {
  if (attributes == nullptr)
    return "<no attributes>";
  if (attributes->messageType == NVTX_MESSAGE_TYPE_ASCII && attributes->message.ascii != nullptr)
    return attributes->message.ascii;
  return "<message type " + std::to_string(attributes->messageType) + ">";
}

int push(const nvtxDomainRegistration_st* domain, std::string name) {
  auto& r = the_recorder();
  std::lock_guard guard{r.mutex};
  r.events.push_back({event::kind::push, domain != nullptr ? domain->name : std::string{}, name,
                      std::this_thread::get_id()});
  open_ranges.push_back({domain, std::move(name)});
  return static_cast<int>(open_ranges.size()) - 1;
}

int pop(const nvtxDomainRegistration_st* domain) {
  // The innermost range of this domain on this thread.
  std::string name = "<no open range>";
  for (auto i = open_ranges.rbegin(); i != open_ranges.rend(); ++i) {
    if (i->domain == domain) {
      name = std::move(i->name);
      open_ranges.erase(std::next(i).base());
      break;
    }
  }
  auto& r = the_recorder();
  std::lock_guard guard{r.mutex};
  r.events.push_back({event::kind::pop, domain != nullptr ? domain->name : std::string{},
                      std::move(name), std::this_thread::get_id()});
  return static_cast<int>(open_ranges.size());
}

// -- the callbacks ------------------------------------------------------------

int NVTX_API range_push_a(const char* message) {
  return push(nullptr, message != nullptr ? message : "<null>");
}

int NVTX_API range_push_ex(const nvtxEventAttributes_t* attributes) {
  return push(nullptr, message_of(attributes));
}

int NVTX_API range_pop() {
  return pop(nullptr);
}

nvtxDomainHandle_t NVTX_API domain_create_a(const char* name) {
  auto& r = the_recorder();
  std::lock_guard guard{r.mutex};
  return &r.domains.emplace_back(nvtxDomainRegistration_st{name != nullptr ? name : ""});
}

void NVTX_API domain_destroy(nvtxDomainHandle_t) {} // kept: events name it

int NVTX_API domain_range_push_ex(nvtxDomainHandle_t domain,
                                  const nvtxEventAttributes_t* attributes) {
  return push(domain, message_of(attributes));
}

int NVTX_API domain_range_pop(nvtxDomainHandle_t domain) {
  return pop(domain);
}

/// Installs `fn` in slot `id` of one of NVTX's function tables.
template <class Fn>
bool install(NvtxFunctionTable table, unsigned size, unsigned id, Fn fn) {
  if (table == nullptr || id > size || table[id] == nullptr)
    return false;
  *table[id] = reinterpret_cast<NvtxFunctionPointer>(fn);
  return true;
}

} // namespace

int initializations() {
  auto& r = the_recorder();
  std::lock_guard guard{r.mutex};
  return r.initializations;
}

std::vector<event> events() {
  auto& r = the_recorder();
  std::lock_guard guard{r.mutex};
  return r.events;
}

std::vector<event> events_of_this_thread(const std::string& domain) {
  std::vector<event> mine;
  for (auto& e : events())
    if (e.thread == std::this_thread::get_id() && e.domain == domain)
      mine.push_back(e);
  return mine;
}

void clear() {
  auto& r = the_recorder();
  std::lock_guard guard{r.mutex};
  r.events.clear();
}

} // namespace nvtx_recorder

/// NVTX's entry point into a tool: returns nonzero when the tool attached.
extern "C" __attribute__((visibility("default"))) int
InitializeInjectionNvtx2(NvtxGetExportTableFunc_t get_export_table) {
  using namespace nvtx_recorder;
  auto* callbacks = static_cast<const NvtxExportTableCallbacks*>(
    get_export_table(NVTX_ETID_CALLBACKS));
  if (callbacks == nullptr || callbacks->struct_size < sizeof(NvtxExportTableCallbacks))
    return 0;
  NvtxFunctionTable core = nullptr;
  unsigned core_size = 0;
  NvtxFunctionTable core2 = nullptr;
  unsigned core2_size = 0;
  if (callbacks->GetModuleFunctionTable(NVTX_CB_MODULE_CORE, &core, &core_size) == 0
      || callbacks->GetModuleFunctionTable(NVTX_CB_MODULE_CORE2, &core2, &core2_size) == 0)
    return 0;
  bool ok = install(core, core_size, NVTX_CBID_CORE_RangePushA, &range_push_a)
            && install(core, core_size, NVTX_CBID_CORE_RangePushEx, &range_push_ex)
            && install(core, core_size, NVTX_CBID_CORE_RangePop, &range_pop)
            && install(core2, core2_size, NVTX_CBID_CORE2_DomainCreateA, &domain_create_a)
            && install(core2, core2_size, NVTX_CBID_CORE2_DomainDestroy, &domain_destroy)
            && install(core2, core2_size, NVTX_CBID_CORE2_DomainRangePushEx, &domain_range_push_ex)
            && install(core2, core2_size, NVTX_CBID_CORE2_DomainRangePop, &domain_range_pop);
  if (!ok)
    return 0;
  auto& r = the_recorder();
  std::lock_guard guard{r.mutex};
  ++r.initializations;
  return 1;
}
