// Training-mode batch norm, forward and backward (lib/blas/batchnorm.ts).
#include "common.h"

namespace dni {

// Training-mode batch norm over the rows of an [n, C] view (lib/modules/batchnorm.ts), forward:
// mean and biased variance per channel (two passes, in double), xhat = (x − mean)·invstd,
// y = γ·xhat + β. batchNorm(heap, n, C, eps, xOff, gammaOff, betaOff, yOff, xhatOff, meanOff, varOff, invstdOff)
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 12) throw Napi::TypeError::New(env, "dni_blas.batchNorm: expected 12 arguments");
  View h = viewOf(info[0]);
  const int64_t n = intArg(info, 1), C = intArg(info, 2);
  const double eps = info[3].As<Napi::Number>().DoubleValue();
  if (n < 1 || C < 1) throw Napi::RangeError::New(env, "dni_blas.batchNorm: empty input");
  const int64_t xOff = intArg(info, 4), gOff = intArg(info, 5), bOff = intArg(info, 6), yOff = intArg(info, 7);
  const int64_t xhOff = intArg(info, 8), mOff = intArg(info, 9), vOff = intArg(info, 10), iOff = intArg(info, 11);
  need(env, h, xOff, n * C, "x");
  need(env, h, yOff, n * C, "y");
  need(env, h, xhOff, n * C, "xhat");
  for (int64_t off : {gOff, bOff, mOff, vOff, iOff}) need(env, h, off, C, "per-channel vector");
  const float *x = h.p + xOff, *gamma = h.p + gOff, *beta = h.p + bOff;
  float *y = h.p + yOff, *xhat = h.p + xhOff, *mean = h.p + mOff, *var = h.p + vOff, *invstd = h.p + iOff;
  std::vector<double> acc(C, 0.0);
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < C; c++) acc[c] += x[r * C + c];
  for (int64_t c = 0; c < C; c++) mean[c] = static_cast<float>(acc[c] / n);
  std::fill(acc.begin(), acc.end(), 0.0);
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < C; c++) {
      const double d = static_cast<double>(x[r * C + c]) - mean[c];
      acc[c] += d * d;
    }
  for (int64_t c = 0; c < C; c++) {
    var[c] = static_cast<float>(acc[c] / n);
    invstd[c] = static_cast<float>(1.0 / std::sqrt(acc[c] / n + eps));
  }
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < C; c++) {
      const float xh = (x[r * C + c] - mean[c]) * invstd[c];
      xhat[r * C + c] = xh;
      y[r * C + c] = xh * gamma[c] + beta[c];
    }
  return env.Undefined();
}

// Its backward: dγ = Σ dy·xhat, dβ = Σ dy (in double), and, when dxOff ≥ 0,
// dx = γ·invstd·(dy − dβ/n − xhat·dγ/n). batchNormGrad(heap, n, C, dyOff, xhatOff, gammaOff, invstdOff, dxOff, dgOff, dbOff)
Napi::Value BatchNormGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 10) throw Napi::TypeError::New(env, "dni_blas.batchNormGrad: expected 10 arguments");
  View h = viewOf(info[0]);
  const int64_t n = intArg(info, 1), C = intArg(info, 2);
  if (n < 1 || C < 1) throw Napi::RangeError::New(env, "dni_blas.batchNormGrad: empty input");
  const int64_t dyOff = intArg(info, 3), xhOff = intArg(info, 4), gOff = intArg(info, 5), iOff = intArg(info, 6);
  const int64_t dxOff = intArg(info, 7), dgOff = intArg(info, 8), dbOff = intArg(info, 9);
  need(env, h, dyOff, n * C, "dy");
  need(env, h, xhOff, n * C, "xhat");
  if (dxOff >= 0) need(env, h, dxOff, n * C, "dx");
  for (int64_t off : {gOff, iOff, dgOff, dbOff}) need(env, h, off, C, "per-channel vector");
  const float *dy = h.p + dyOff, *xhat = h.p + xhOff, *gamma = h.p + gOff, *invstd = h.p + iOff;
  float *dg = h.p + dgOff, *db = h.p + dbOff;
  std::vector<double> sg(C, 0.0), sb(C, 0.0);
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < C; c++) {
      sg[c] += static_cast<double>(dy[r * C + c]) * xhat[r * C + c];
      sb[c] += dy[r * C + c];
    }
  for (int64_t c = 0; c < C; c++) {
    dg[c] = static_cast<float>(sg[c]);
    db[c] = static_cast<float>(sb[c]);
  }
  if (dxOff < 0) return env.Undefined();
  float* dx = h.p + dxOff;
  std::vector<float> scale(C), mb(C), mg(C);
  for (int64_t c = 0; c < C; c++) {
    scale[c] = gamma[c] * invstd[c];
    mb[c] = db[c] / static_cast<float>(n);
    mg[c] = dg[c] / static_cast<float>(n);
  }
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < C; c++) {
      const int64_t k = r * C + c;
      dx[k] = scale[c] * (dy[k] - mb[c] - xhat[k] * mg[c]);
    }
  return env.Undefined();
}

}  // namespace dni
