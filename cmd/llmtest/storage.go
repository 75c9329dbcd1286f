package main

// The command line writes to and reads from object storage: --out of run,
// sweep, heatmap and merge, and the folders of report, compare and merge,
// may be s3://, gs:// or azblob:// URLs, whose drivers package
// storage/blob registers with llmtest (see llmtest.Bucket).
import _ "github.com/llmtest/llmtest/storage/blob"
