// Imported before onnxruntime-node wherever it is used: its native library otherwise writes
// a telemetry database under ~/.cache/Microsoft and a mat-debug-<pid>.log in the temp folder
// on every run. Nothing leaves the machine or is written unasked.
process.env.ORT_DISABLE_TELEMETRY = '1';
