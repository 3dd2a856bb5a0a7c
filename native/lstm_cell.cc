// The LSTM cell's elementwise forward and backward (lib/blas/lstm-cell.ts).
#include "common.h"

namespace dni {

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

}  // namespace dni
