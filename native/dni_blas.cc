// dni_blas: OpenBLAS sgemm, im2col convolutions and a few fused elementwise kernels on
// Float32Array views, for the replacement kernels in lib/blas/. Callers pass one view (the wasm
// backend's heap) plus element offsets, so no data is copied between JS and C++. This file holds
// the matmul, the convolutions, the reductions and the module's registration; pool.cc,
// lstm_cell.cc, batchnorm.cc and adam.cc the others (common.h: what they share).
#include "common.h"
#include "conv.h"

#include <cblas.h>

namespace dni {
namespace {

// Activations as in tfjs's fused kernels.
enum Act { LINEAR = 0, RELU = 1, RELU6 = 2, LEAKYRELU = 3, SIGMOID = 4, ELU = 5 };

__attribute__((target_clones("avx2", "default"))) void activate(float* c, int64_t n, int act, float alpha) {
  switch (act) {
    case RELU: for (int64_t i = 0; i < n; i++) c[i] = c[i] < 0 ? 0 : c[i]; break;
    case RELU6: for (int64_t i = 0; i < n; i++) c[i] = std::min(std::max(c[i], 0.0f), 6.0f); break;
    case LEAKYRELU: for (int64_t i = 0; i < n; i++) c[i] = c[i] < 0 ? alpha * c[i] : c[i]; break;
    case SIGMOID: for (int64_t i = 0; i < n; i++) c[i] = 1.0f / (1.0f + expApprox(-c[i])); break;
    case ELU: for (int64_t i = 0; i < n; i++) c[i] = c[i] > 0 ? c[i] : std::expm1(c[i]); break;
    default: break;
  }
}

}  // namespace

// sgemm(heap, transA, transB, M, N, K, alpha, aOff, lda, bOff, ldb, beta, cOff, ldc,
//       batch, strideA, strideB, strideC, biasOff, act, actAlpha)
// Row-major C[i] = alpha·op(A[i])·op(B[i]) + beta·C[i] for i < batch; a stride of 0 broadcasts.
// biasOff >= 0 adds a length-N bias to every row, then act is applied (C must be dense: ldc = N).
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 14) throw Napi::TypeError::New(env, "dni_blas.sgemm: expected at least 14 arguments");
  View h = viewOf(info[0]);
  bool ta = info[1].ToBoolean(), tb = info[2].ToBoolean();
  int64_t M = intArg(info, 3), N = intArg(info, 4), K = intArg(info, 5);
  float alpha = info[6].As<Napi::Number>().FloatValue();
  int64_t aOff = intArg(info, 7), lda = intArg(info, 8), bOff = intArg(info, 9), ldb = intArg(info, 10);
  float beta = info[11].As<Napi::Number>().FloatValue();
  int64_t cOff = intArg(info, 12), ldc = intArg(info, 13);
  auto opt = [&](size_t i, int64_t d) { return info.Length() > i && !info[i].IsUndefined() ? intArg(info, i) : d; };
  int64_t batch = opt(14, 1), sA = opt(15, 0), sB = opt(16, 0), sC = opt(17, M * ldc), biasOff = opt(18, -1);
  int act = static_cast<int>(opt(19, 0));
  float actAlpha = info.Length() > 20 ? info[20].As<Napi::Number>().FloatValue() : 0.0f;
  if (M < 0 || N < 0 || K < 0 || batch < 0) throw Napi::RangeError::New(env, "dni_blas.sgemm: negative size");
  need(env, h, aOff, extent(ta ? K : M, ta ? M : K, lda, batch, sA), "A");
  need(env, h, bOff, extent(tb ? N : K, tb ? K : N, ldb, batch, sB), "B");
  need(env, h, cOff, extent(M, N, ldc, batch, sC), "C");
  if (biasOff >= 0) {
    need(env, h, biasOff, N, "bias");
    if (ldc != N || beta != 0) throw Napi::RangeError::New(env, "dni_blas.sgemm: bias needs a dense C (ldc = N) and beta = 0");
  }
  for (int64_t i = 0; i < batch; i++) {
    float* c = h.p + cOff + i * sC;
    float bb = beta;
    if (biasOff >= 0) {
      // Start C at the bias and accumulate: one pass fewer than adding afterwards.
      for (int64_t r = 0; r < M; r++) std::memcpy(c + r * ldc, h.p + biasOff, N * sizeof(float));
      bb = 1.0f;
    }
    if (K == 0) {
      if (bb == 0) for (int64_t r = 0; r < M; r++) std::fill(c + r * ldc, c + r * ldc + N, 0.0f);
    } else if (M > 0 && N > 0) {
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha,
                  h.p + aOff + i * sA, lda, h.p + bOff + i * sB, ldb, bb, c, ldc);
    }
    if (act != LINEAR) {
      if (ldc != N) throw Napi::RangeError::New(env, "dni_blas.sgemm: an activation needs a dense C (ldc = N)");
      activate(c, M * N, act, actAlpha);
    }
  }
  return env.Undefined();
}

namespace {

// Column buffer reused across calls, one per thread (worker threads train units side by side);
// chunks of output rows keep it near 8 MB.
std::vector<float>& colBuffer() {
  thread_local std::vector<float> buf;
  return buf;
}
constexpr int64_t kChunkFloats = 2 << 20;

// Rows of the im2col matrix are output pixels (b, oy, ox), its columns (fy, fx, ci), so the
// filter [kh, kw, Cin, Cout] is already the K×Cout operand.
void im2col(const Geo& g, const float* x, int64_t r0, int64_t rc, float* col) {
  const int64_t K = g.K(), run = g.kw * g.Cin;
  for (int64_t r = 0; r < rc; r++) {
    int64_t p = r0 + r, ox = p % g.Wo, oy = (p / g.Wo) % g.Ho, b = p / (g.Wo * g.Ho);
    float* dst = col + r * K;
    int64_t ix0 = ox * g.sw - g.pl;
    // The in-bounds filter columns [fx0, fx1) form one contiguous run of x per filter row.
    int64_t fx0 = std::max<int64_t>(0, -ix0), fx1 = std::min<int64_t>(g.kw, g.W - ix0);
    for (int64_t fy = 0; fy < g.kh; fy++, dst += run) {
      int64_t iy = oy * g.sh - g.pt + fy;
      if (iy < 0 || iy >= g.H || fx1 <= fx0) {
        std::memset(dst, 0, run * sizeof(float));
        continue;
      }
      if (fx0 > 0) std::memset(dst, 0, fx0 * g.Cin * sizeof(float));
      std::memcpy(dst + fx0 * g.Cin, x + ((b * g.H + iy) * g.W + ix0 + fx0) * g.Cin, (fx1 - fx0) * g.Cin * sizeof(float));
      if (fx1 < g.kw) std::memset(dst + fx1 * g.Cin, 0, (g.kw - fx1) * g.Cin * sizeof(float));
    }
  }
}

void col2imAdd(const Geo& g, const float* col, int64_t r0, int64_t rc, float* dx) {
  const int64_t K = g.K(), run = g.kw * g.Cin;
  for (int64_t r = 0; r < rc; r++) {
    int64_t p = r0 + r, ox = p % g.Wo, oy = (p / g.Wo) % g.Ho, b = p / (g.Wo * g.Ho);
    const float* src = col + r * K;
    int64_t ix0 = ox * g.sw - g.pl;
    int64_t fx0 = std::max<int64_t>(0, -ix0), fx1 = std::min<int64_t>(g.kw, g.W - ix0);
    for (int64_t fy = 0; fy < g.kh; fy++, src += run) {
      int64_t iy = oy * g.sh - g.pt + fy;
      if (iy < 0 || iy >= g.H || fx1 <= fx0) continue;
      float* d = dx + ((b * g.H + iy) * g.W + ix0 + fx0) * g.Cin;
      const float* s = src + fx0 * g.Cin;
      for (int64_t j = 0, n = (fx1 - fx0) * g.Cin; j < n; j++) d[j] += s[j];
    }
  }
}

}  // namespace

// conv2d(heap, mode, xOff, fOff, yOff, B, H, W, Cin, kh, kw, Cout, Ho, Wo, sh, sw, pt, pl)
//   mode 0: y = conv(x, f)          (Conv2D)
//   mode 1: x = ∂y/∂x given y = dy  (Conv2DBackpropInput; x is overwritten)
//   mode 2: f = ∂y/∂f given y = dy  (Conv2DBackpropFilter; f is overwritten)
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 18) throw Napi::TypeError::New(env, "dni_blas.conv2d: expected 18 arguments");
  View h = viewOf(info[0]);
  int mode = static_cast<int>(intArg(info, 1));
  int64_t xOff = intArg(info, 2), fOff = intArg(info, 3), yOff = intArg(info, 4);
  Geo g{intArg(info, 5),  intArg(info, 6),  intArg(info, 7),  intArg(info, 8),  intArg(info, 9),
        intArg(info, 10), intArg(info, 11), intArg(info, 12), intArg(info, 13), intArg(info, 14),
        intArg(info, 15), intArg(info, 16), intArg(info, 17)};
  if (mode < 0 || mode > 2) throw Napi::RangeError::New(env, "dni_blas.conv2d: mode must be 0, 1 or 2");
  if (g.B < 0 || g.H < 0 || g.W < 0 || g.Cin < 1 || g.kh < 1 || g.kw < 1 || g.Cout < 1 || g.Ho < 0 || g.Wo < 0 || g.sh < 1 || g.sw < 1) {
    throw Napi::RangeError::New(env, "dni_blas.conv2d: invalid geometry");
  }
  const int64_t K = g.K(), rows = g.rows();
  need(env, h, xOff, g.B * g.H * g.W * g.Cin, "x");
  need(env, h, fOff, K * g.Cout, "filter");
  need(env, h, yOff, rows * g.Cout, "y");
  float *x = h.p + xOff, *f = h.p + fOff, *y = h.p + yOff;
  if (rows > 0 && convDnnl(mode, g, x, f, y)) return env.Undefined();
  if (mode == 1) std::fill(x, x + g.B * g.H * g.W * g.Cin, 0.0f);
  if (mode == 2 && rows == 0) std::fill(f, f + K * g.Cout, 0.0f);
  if (rows == 0) return env.Undefined();

  // A 1×1 stride-1 unpadded convolution is a plain matmul on x itself.
  const bool direct = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.Ho == g.H && g.Wo == g.W;
  const int64_t chunk = direct ? rows : std::max<int64_t>(1, std::min<int64_t>(rows, kChunkFloats / K));
  std::vector<float>& buf = colBuffer();
  if (!direct && static_cast<int64_t>(buf.size()) < chunk * K) buf.resize(chunk * K);
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    int64_t rc = std::min(chunk, rows - r0);
    float* col = direct ? x + r0 * K : buf.data();
    float* dyc = y + r0 * g.Cout;
    if (mode == 0) {
      if (!direct) im2col(g, x, r0, rc, col);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rc, g.Cout, K, 1.0f, col, K, f, g.Cout, 0.0f, dyc, g.Cout);
    } else if (mode == 1) {
      // dcol = dy · fᵀ, scattered back onto the pixels it was gathered from.
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rc, K, g.Cout, 1.0f, dyc, g.Cout, f, g.Cout, 0.0f, col, K);
      if (!direct) col2imAdd(g, col, r0, rc, x);
    } else {
      if (!direct) im2col(g, x, r0, rc, col);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, g.Cout, rc, 1.0f, col, K, dyc, g.Cout, r0 == 0 ? 0.0f : 1.0f, f, g.Cout);
    }
  }
  return env.Undefined();
}

// reduceRows(heap, xOff, rows, cols, outOff, scale): out[c] = scale·Σ_r x[r·cols + c], the sum or
// mean over a tensor's leading axes (wasm's Sum and Mean transpose first for those).
Napi::Value ReduceRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6) throw Napi::TypeError::New(env, "dni_blas.reduceRows: expected 6 arguments");
  View h = viewOf(info[0]);
  int64_t xOff = intArg(info, 1), rows = intArg(info, 2), cols = intArg(info, 3), outOff = intArg(info, 4);
  float scale = info[5].As<Napi::Number>().FloatValue();
  if (rows < 0 || cols < 0) throw Napi::RangeError::New(env, "dni_blas.reduceRows: negative size");
  need(env, h, xOff, rows * cols, "x");
  need(env, h, outOff, cols, "out");
  float* out = h.p + outOff;
  const float* x = h.p + xOff;
  std::fill(out, out + cols, 0.0f);
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    for (int64_t c = 0; c < cols; c++) out[c] += row[c];
  }
  if (scale != 1.0f) for (int64_t c = 0; c < cols; c++) out[c] *= scale;
  return env.Undefined();
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int n = static_cast<int>(info[0].As<Napi::Number>().Int32Value());
  if (n < 1) throw Napi::RangeError::New(info.Env(), "dni_blas.setThreads: the thread count must be at least 1");
  openblas_set_num_threads(n);
  setDnnlThreads(n);
  return info.Env().Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), openblas_get_num_threads());
}

// Which OpenBLAS: its build string, core and threading model (0 serial, 1 pthreads, 2 OpenMP).
Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("config", std::string(openblas_get_config()));
  o.Set("corename", std::string(openblas_get_corename()));
  int par = openblas_get_parallel();
  o.Set("parallel", par == 2 ? "openmp" : par == 1 ? "pthreads" : "serial");
  o.Set("procs", openblas_get_num_procs());
  o.Set("conv", convPath());
  o.Set("onednn", dnnlVersion());
  return o;
}

// setConvPath("onednn" | "im2col"): which convolutions conv2d runs (tests and the bench hold one
// against the other); returns the path in use. oneDNN only where the addon was built with it.
Napi::Value SetConvPath(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() > 0) {
    std::string want = info[0].As<Napi::String>().Utf8Value();
    if (!setConvPath(want)) {
      throw Napi::RangeError::New(env, "dni_blas.setConvPath: '" + want + "' is not available (\"im2col\", or \"onednn\" when built with it: " +
                                           (dnnlVersion().empty() ? "it was not" : "it was") + ")");
    }
  }
  return Napi::String::New(env, convPath());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("sgemm", Napi::Function::New(env, Sgemm));
  exports.Set("conv2d", Napi::Function::New(env, Conv2d));
  exports.Set("reduceRows", Napi::Function::New(env, ReduceRows));
  exports.Set("poolGrad", Napi::Function::New(env, PoolGrad));
  exports.Set("lstmCell", Napi::Function::New(env, LstmCell));
  exports.Set("lstmCellGrad", Napi::Function::New(env, LstmCellGrad));
  exports.Set("batchNorm", Napi::Function::New(env, BatchNorm));
  exports.Set("batchNormGrad", Napi::Function::New(env, BatchNormGrad));
  exports.Set("adam", Napi::Function::New(env, Adam));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads));
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("setConvPath", Napi::Function::New(env, SetConvPath));
  return exports;
}

}  // namespace dni

// NODE_API_MODULE takes an unqualified name.
Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return dni::Init(env, exports); }

NODE_API_MODULE(dni_blas, InitAddon)
