// Convolutions through oneDNN (Debian's libdnnl-dev), NHWC on the wasm heap in place, when the
// addon is built with it (binding.gyp defines DNI_HAVE_DNNL when dnnl.hpp is found).
//
// Why: im2col + sgemm ran the CNNs' 5×5 convolutions at about 90 GFLOP/s on one thread, two
// thirds of the sgemm's peak, with the im2col matrix written and packed again through memory;
// oneDNN's direct convolutions (JIT for the CPU's vector ISA) ran the same shapes at 150-200.
// Each geometry's primitives are made once and kept. The filter [kh, kw, Cin, Cout] is oneDNN's
// "hwio"; each call reorders it to and from the blocked layout the primitive chose.
#include "conv.h"

#ifdef DNI_HAVE_DNNL
#include <omp.h>

#include <dnnl.hpp>
#include <map>
#include <memory>
#include <tuple>

namespace dni {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;

// Per thread (Node's worker threads each run their own training unit): engine, stream, the
// switch and the primitives with their weight buffers are never shared between threads.
dnnl::engine& engine() {
  thread_local dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

bool& enabled() {
  thread_local bool on = true;
  return on;
}

// Everything one geometry and mode needs, made on first use.
struct Prims {
  dnnl::primitive conv;
  memory::desc src, dst, hwio;
  memory blocked;  // the filter (or its gradient) in the primitive's layout
  dnnl::reorder toBlocked, fromBlocked;
};

using Key = std::tuple<int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t>;

std::map<Key, std::unique_ptr<Prims>>& cache() {
  thread_local std::map<Key, std::unique_ptr<Prims>> c;
  return c;
}

std::unique_ptr<Prims> make(int mode, const Geo& g) {
  auto& eng = engine();
  const int64_t pb = (g.Ho - 1) * g.sh + g.kh - g.H - g.pt, pr = (g.Wo - 1) * g.sw + g.kw - g.W - g.pl;
  if (pb < 0 || pr < 0 || g.pt < 0 || g.pl < 0) return nullptr;  // unused trailing pixels: left to im2col
  const memory::dims src{g.B, g.Cin, g.H, g.W}, wei{g.Cout, g.Cin, g.kh, g.kw}, dst{g.B, g.Cout, g.Ho, g.Wo};
  const memory::dims strides{g.sh, g.sw}, padL{g.pt, g.pl}, padR{pb, pr};
  auto p = std::make_unique<Prims>();
  p->src = memory::desc(src, memory::data_type::f32, Tag::nhwc);
  p->dst = memory::desc(dst, memory::data_type::f32, Tag::nhwc);
  p->hwio = memory::desc(wei, memory::data_type::f32, Tag::hwio);
  const memory::desc any(wei, memory::data_type::f32, Tag::any);
  const auto alg = dnnl::algorithm::convolution_direct;
  dnnl::convolution_forward::primitive_desc fwd(
      dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, alg, p->src, any, p->dst, strides, padL, padR), eng);
  memory::desc blocked;
  if (mode == 0) {
    p->conv = dnnl::convolution_forward(fwd);
    blocked = fwd.weights_desc();
  } else if (mode == 1) {
    dnnl::convolution_backward_data::primitive_desc bd(
        dnnl::convolution_backward_data::desc(alg, p->src, any, p->dst, strides, padL, padR), eng, fwd);
    p->conv = dnnl::convolution_backward_data(bd);
    blocked = bd.weights_desc();
  } else {
    dnnl::convolution_backward_weights::primitive_desc bw(
        dnnl::convolution_backward_weights::desc(alg, p->src, any, p->dst, strides, padL, padR), eng, fwd);
    p->conv = dnnl::convolution_backward_weights(bw);
    blocked = bw.diff_weights_desc();
  }
  p->blocked = memory(blocked, eng);
  memory hwio(p->hwio, eng, DNNL_MEMORY_NONE);
  if (mode == 2) p->fromBlocked = dnnl::reorder(p->blocked, hwio);
  else p->toBlocked = dnnl::reorder(hwio, p->blocked);
  return p;
}

}  // namespace

bool convDnnl(int mode, const Geo& g, float* x, float* f, float* y) {
  if (!enabled()) return false;
  Key key{mode, g.B, g.H, g.W, g.Cin, g.kh, g.kw, g.Cout, g.Ho, g.Wo, g.sh, g.sw, g.pt, g.pl};
  auto& c = cache();
  auto it = c.find(key);
  if (it == c.end()) {
    std::unique_ptr<Prims> made;
    try {
      made = make(mode, g);
    } catch (const dnnl::error&) {
      made = nullptr;  // no implementation for this geometry: remembered, and left to im2col
    }
    it = c.emplace(key, std::move(made)).first;
  }
  Prims* p = it->second.get();
  if (!p) return false;
  auto& eng = engine();
  auto& s = stream();
  memory xm(p->src, eng, x), ym(p->dst, eng, y), fm(p->hwio, eng, f);
  if (mode == 0) {
    p->toBlocked.execute(s, fm, p->blocked);
    p->conv.execute(s, {{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, p->blocked}, {DNNL_ARG_DST, ym}});
  } else if (mode == 1) {
    p->toBlocked.execute(s, fm, p->blocked);
    p->conv.execute(s, {{DNNL_ARG_DIFF_SRC, xm}, {DNNL_ARG_WEIGHTS, p->blocked}, {DNNL_ARG_DIFF_DST, ym}});
  } else {
    p->conv.execute(s, {{DNNL_ARG_SRC, xm}, {DNNL_ARG_DIFF_WEIGHTS, p->blocked}, {DNNL_ARG_DIFF_DST, ym}});
    p->fromBlocked.execute(s, p->blocked, fm);
  }
  s.wait();
  return true;
}

std::string convPath() { return enabled() ? "onednn" : "im2col"; }

bool setConvPath(const std::string& path) {
  if (path != "onednn" && path != "im2col") return false;
  enabled() = path == "onednn";
  return true;
}

std::string dnnlVersion() {
  const dnnl_version_t* v = dnnl_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

void setDnnlThreads(int n) { omp_set_num_threads(n); }

}  // namespace dni

#else  // built without oneDNN: every convolution is im2col + sgemm

namespace dni {
bool convDnnl(int, const Geo&, float*, float*, float*) { return false; }
std::string convPath() { return "im2col"; }
bool setConvPath(const std::string& path) { return path == "im2col"; }
std::string dnnlVersion() { return ""; }
void setDnnlThreads(int) {}
}  // namespace dni

#endif
