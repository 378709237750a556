{
  "targets": [
    {
      "target_name": "memory_trim",
      "conditions": [
        ["OS=='linux'", { "sources": ["src/memory_trim.c"] }]
      ],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
