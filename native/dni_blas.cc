// dni_blas: OpenBLAS sgemm and im2col convolutions on Float32Array views, for the
// replacement kernels in lib/blas/. Callers pass one view (the wasm backend's heap)
// plus element offsets, so no data is copied between JS and C++.
#include <napi.h>
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct View {
  float* p;
  size_t n;
};

View viewOf(const Napi::Value& v) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(v.Env(), "dni_blas: the first argument must be a Float32Array (the wasm heap)");
  }
  auto f = v.As<Napi::Float32Array>();
  return {f.Data(), f.ElementLength()};
}

int64_t intArg(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Number>().Int64Value();
}

// Refuses any access outside the view: a wrong offset must be an exception, not a crash.
void need(const Napi::Env& env, const View& h, int64_t off, int64_t extent, const char* what) {
  if (off < 0 || extent < 0 || static_cast<uint64_t>(off + extent) > h.n) {
    throw Napi::RangeError::New(env, std::string("dni_blas: ") + what + " lies outside the Float32Array (offset " +
                                         std::to_string(off) + ", extent " + std::to_string(extent) + ", length " +
                                         std::to_string(h.n) + ")");
  }
}

// Extent of a row-major rows×cols matrix with leading dimension ld, repeated batch times.
int64_t extent(int64_t rows, int64_t cols, int64_t ld, int64_t batch, int64_t stride) {
  if (rows == 0 || cols == 0 || batch == 0) return 0;
  return (batch - 1) * stride + (rows - 1) * ld + cols;
}

// Activations as in tfjs's fused kernels.
enum Act { LINEAR = 0, RELU = 1, RELU6 = 2, LEAKYRELU = 3, SIGMOID = 4, ELU = 5 };

// exp(x) in float with branch-free arithmetic the compiler vectorizes (Cephes' expf: x = n·ln2 + r,
// a degree-5 polynomial for e^r, 2^n through the exponent bits; within 2 ulp of std::exp over
// the clamped range; 7e-8 relative error measured). std::exp is a libm call per element; this runs
// 2.7x faster with AVX2 (activate is cloned for it) and 1.5x on baseline SSE2. Vectorizing it needs
// -fno-trapping-math (binding.gyp): otherwise GCC keeps the clamps' compares as branches.
inline float expApprox(float x) {
  x = x < -87.3f ? -87.3f : x;
  x = x > 88.3f ? 88.3f : x;
  // floor without a libm call (baseline x86-64 has no rounding instruction): truncate, then step down below zero.
  const float t = x * 1.44269504088896341f + 0.5f;
  int32_t k = static_cast<int32_t>(t);
  k -= t < static_cast<float>(k) ? 1 : 0;
  const float n = static_cast<float>(k);
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits = (k + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

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

// NHWC convolution geometry; filter [kh, kw, Cin, Cout]; rows of the im2col matrix are output
// pixels (b, oy, ox), its columns (fy, fx, ci), so the filter is already the K×Cout operand.
struct Geo {
  int64_t B, H, W, Cin, kh, kw, Cout, Ho, Wo, sh, sw, pt, pl;
  int64_t K() const { return kh * kw * Cin; }
  int64_t rows() const { return B * Ho * Wo; }
};

// Column buffer reused across calls; chunks of output rows keep it near 8 MB.
std::vector<float>& colBuffer() {
  static std::vector<float> buf;
  return buf;
}
constexpr int64_t kChunkFloats = 2 << 20;

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

// poolGrad(heap, kind, xOff, dyOff, dxOff, B, H, W, C, Ho, Wo, size, stride, padTop, padLeft):
// the gradient of a size×size pool with TF's 'same' padding, NHWC, written into dx. kind 0, max:
// each dy goes to the first maximum of its window (TF's rule); kind 1, average: each dy is shared
// equally by the window's in-image pixels (the forward averages only those).
Napi::Value PoolGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 15) throw Napi::TypeError::New(env, "dni_blas.poolGrad: expected 15 arguments");
  View h = viewOf(info[0]);
  const int kind = static_cast<int>(intArg(info, 1));
  const int64_t xOff = intArg(info, 2), dyOff = intArg(info, 3), dxOff = intArg(info, 4);
  const int64_t B = intArg(info, 5), H = intArg(info, 6), W = intArg(info, 7), C = intArg(info, 8);
  const int64_t Ho = intArg(info, 9), Wo = intArg(info, 10), size = intArg(info, 11), stride = intArg(info, 12);
  const int64_t pt = intArg(info, 13), pl = intArg(info, 14);
  if (kind < 0 || kind > 1) throw Napi::RangeError::New(env, "dni_blas.poolGrad: kind must be 0 (max) or 1 (average)");
  if (B < 0 || H < 0 || W < 0 || C < 1 || Ho < 0 || Wo < 0 || size < 1 || stride < 1 || pt < 0 || pl < 0) {
    throw Napi::RangeError::New(env, "dni_blas.poolGrad: invalid geometry");
  }
  need(env, h, xOff, B * H * W * C, "x");
  need(env, h, dyOff, B * Ho * Wo * C, "dy");
  need(env, h, dxOff, B * H * W * C, "dx");
  const float* x = h.p + xOff;
  const float* dy = h.p + dyOff;
  float* dx = h.p + dxOff;
  std::fill(dx, dx + B * H * W * C, 0.0f);
  std::vector<int64_t> at(C);
  std::vector<float> best(C);
  for (int64_t n = 0; n < B; n++) {
    for (int64_t oi = 0; oi < Ho; oi++) {
      const int64_t iLo = std::max<int64_t>(oi * stride - pt, 0), iHi = std::min<int64_t>(oi * stride - pt + size, H);
      for (int64_t oj = 0; oj < Wo; oj++) {
        const int64_t jLo = std::max<int64_t>(oj * stride - pl, 0), jHi = std::min<int64_t>(oj * stride - pl + size, W);
        const float* g = dy + ((n * Ho + oi) * Wo + oj) * C;
        if (iHi <= iLo || jHi <= jLo) continue;
        if (kind == 1) {
          const float inv = 1.0f / static_cast<float>((iHi - iLo) * (jHi - jLo));
          for (int64_t i = iLo; i < iHi; i++)
            for (int64_t j = jLo; j < jHi; j++) {
              float* d = dx + ((n * H + i) * W + j) * C;
              for (int64_t c = 0; c < C; c++) d[c] += g[c] * inv;
            }
          continue;
        }
        // Max: scan the window pixel by pixel, channels innermost (contiguous); strict > keeps the first maximum.
        std::fill(best.begin(), best.end(), -INFINITY);
        std::fill(at.begin(), at.end(), -1);
        for (int64_t i = iLo; i < iHi; i++)
          for (int64_t j = jLo; j < jHi; j++) {
            const int64_t base = ((n * H + i) * W + j) * C;
            for (int64_t c = 0; c < C; c++)
              if (x[base + c] > best[c]) {
                best[c] = x[base + c];
                at[c] = base + c;
              }
          }
        for (int64_t c = 0; c < C; c++)
          if (at[c] >= 0) dx[at[c]] += g[c];
      }
    }
  }
  return env.Undefined();
}

// The LSTM cell's elementwise part (lib/modules/lstm.ts) in one pass: tfjs dispatches a dozen
// small ops per step forward and two dozen backward, each a pass over [B, H].
// lstmCell(heap, n, iOff, fOff, oOff, sOff, cPrevOff, gOff, cOff, tcOff, hOff), the gates after
// their sigmoids (s = σ(2 z_g)): g = 2s − 1, c = f·c_prev + i·g, tc = tanh(c) as 2σ(2c) − 1, h = o·tc.
__attribute__((target_clones("avx2", "default"))) void lstmCellLoop(int64_t n, const float* i, const float* f, const float* o,
                                                                   const float* s, const float* cp, float* g, float* c,
                                                                   float* tc, float* h) {
  for (int64_t k = 0; k < n; k++) {
    const float gk = 2.0f * s[k] - 1.0f;
    const float ck = f[k] * cp[k] + i[k] * gk;
    const float t = 2.0f / (1.0f + expApprox(-2.0f * ck)) - 1.0f;
    g[k] = gk;
    c[k] = ck;
    tc[k] = t;
    h[k] = o[k] * t;
  }
}

Napi::Value LstmCell(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 11) throw Napi::TypeError::New(env, "dni_blas.lstmCell: expected 11 arguments");
  View h = viewOf(info[0]);
  const int64_t n = intArg(info, 1);
  if (n < 0) throw Napi::RangeError::New(env, "dni_blas.lstmCell: negative size");
  const char* names[] = {"i", "f", "o", "s", "cPrev", "g", "c", "tc", "h"};
  float* p[9];
  for (int k = 0; k < 9; k++) {
    const int64_t off = intArg(info, 2 + k);
    need(env, h, off, n, names[k]);
    p[k] = h.p + off;
  }
  lstmCellLoop(n, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]);
  return env.Undefined();
}

// lstmCellGrad(heap, n, hasDh, hasDc, dhOff, dcOff, oOff, tcOff, gOff, iOff, fOff, cPrevOff,
//              dziOff, dzfOff, dzoOff, dzgOff, dcPrevOff): one step of the cell's backward.
//   dc_t = dc + dh·o·(1 − tc²);  dz_i = dc_t·g·i(1 − i);  dz_f = dc_t·c_prev·f(1 − f);
//   dz_o = dh·tc·o(1 − o);  dz_g = dc_t·i·(1 − g²);  dc_prev = dc_t·f.
// A missing dh or dc (hasDh, hasDc = 0) counts as zero; its offset is not read.
__attribute__((target_clones("avx2", "default"))) void lstmCellGradLoop(int64_t n, bool hasDh, bool hasDc, const float* dh,
                                                                       const float* dc, const float* o, const float* tc,
                                                                       const float* g, const float* i, const float* f,
                                                                       const float* cp, float* dzi, float* dzf, float* dzo,
                                                                       float* dzg, float* dcp) {
  for (int64_t k = 0; k < n; k++) {
    const float dhk = hasDh ? dh[k] : 0.0f;
    const float dct = (hasDc ? dc[k] : 0.0f) + dhk * o[k] * (1.0f - tc[k] * tc[k]);
    dzi[k] = dct * g[k] * (i[k] * (1.0f - i[k]));
    dzf[k] = dct * cp[k] * (f[k] * (1.0f - f[k]));
    dzo[k] = dhk * tc[k] * (o[k] * (1.0f - o[k]));
    dzg[k] = dct * i[k] * (1.0f - g[k] * g[k]);
    dcp[k] = dct * f[k];
  }
}

Napi::Value LstmCellGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 17) throw Napi::TypeError::New(env, "dni_blas.lstmCellGrad: expected 17 arguments");
  View h = viewOf(info[0]);
  const int64_t n = intArg(info, 1);
  const bool hasDh = intArg(info, 2) != 0, hasDc = intArg(info, 3) != 0;
  if (n < 0) throw Napi::RangeError::New(env, "dni_blas.lstmCellGrad: negative size");
  const char* names[] = {"dh", "dc", "o", "tc", "g", "i", "f", "cPrev", "dz_i", "dz_f", "dz_o", "dz_g", "dcPrev"};
  float* p[13];
  for (int k = 0; k < 13; k++) {
    const int64_t off = intArg(info, 4 + k);
    if ((k == 0 && !hasDh) || (k == 1 && !hasDc)) {
      p[k] = nullptr;
      continue;
    }
    need(env, h, off, n, names[k]);
    p[k] = h.p + off;
  }
  lstmCellGradLoop(n, hasDh, hasDc, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12]);
  return env.Undefined();
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int n = static_cast<int>(info[0].As<Napi::Number>().Int32Value());
  if (n < 1) throw Napi::RangeError::New(info.Env(), "dni_blas.setThreads: the thread count must be at least 1");
  openblas_set_num_threads(n);
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
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("sgemm", Napi::Function::New(env, Sgemm));
  exports.Set("conv2d", Napi::Function::New(env, Conv2d));
  exports.Set("reduceRows", Napi::Function::New(env, ReduceRows));
  exports.Set("poolGrad", Napi::Function::New(env, PoolGrad));
  exports.Set("lstmCell", Napi::Function::New(env, LstmCell));
  exports.Set("lstmCellGrad", Napi::Function::New(env, LstmCellGrad));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads));
  exports.Set("info", Napi::Function::New(env, Info));
  return exports;
}

}  // namespace

NODE_API_MODULE(dni_blas, Init)
