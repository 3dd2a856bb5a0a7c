{
  "variables": {
    "have_dnnl%": "<!(sh has-dnnl.sh)"
  },
  "targets": [
    {
      "target_name": "dni_blas",
      "sources": ["dni_blas.cc", "conv_dnnl.cc", "pool.cc", "lstm_cell.cc", "batchnorm.cc", "adam.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-O3", "-std=c++17", "-fexceptions", "-fno-trapping-math", "-ffp-contract=off", "-fno-strict-aliasing"],
      "libraries": ["-lopenblas"],
      "conditions": [
        ["have_dnnl==1", {
          "defines": ["DNI_HAVE_DNNL"],
          "cflags_cc": ["-fopenmp"],
          "libraries": ["-ldnnl", "-lgomp"]
        }]
      ]
    }
  ]
}
