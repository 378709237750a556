{
  "targets": [
    {
      "target_name": "original_dst",
      "conditions": [
        ["OS=='linux'", { "sources": ["src/original_dst.c"] }]
      ],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
