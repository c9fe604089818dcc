# The connect scanner's native engine (src/scan.c), plain C over Node-API only, so one
# build loads in Node and in Electron alike. Linux only (epoll); elsewhere nothing is
# built and the engine uses its JS path. Built by `npm run build:native` (native/build.mjs).
{
  "targets": [
    {
      "target_name": "portolan_scan",
      "conditions": [
        ["OS=='linux'", {
          "sources": ["src/scan.c"],
          "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fvisibility=hidden"],
          "defines": ["NAPI_VERSION=8"],
          "libraries": ["-lpthread"]
        }]
      ]
    }
  ]
}
