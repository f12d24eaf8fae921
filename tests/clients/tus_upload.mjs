// Uploads one file with tus-js-client (Node), as the tests and `make bench` ask:
//   node tus_upload.mjs '{"endpoint": "...", "token": "...", "path": "...", ...}'
// Options: chunkSize, parallelUploads, overridePatchMethod, urlStorage (a JSON file:
// fingerprints are kept there and a previous upload of the same file is resumed),
// stopAfter (abort once that many bytes are acknowledged). Prints one JSON line:
// {ok, url, fileId, error, requests: ["POST 201", ...], resumed}.
import { Upload, FileUrlStorage } from "tus-js-client";
import fs from "node:fs";

const opts = JSON.parse(process.argv[2]);
const requests = [];
let fileId = null;
let stopping = false;

const upload = new Upload(fs.createReadStream(opts.path), {
  endpoint: opts.endpoint,
  headers: { Authorization: `Bearer ${opts.token}` },
  chunkSize: opts.chunkSize ?? Infinity,
  parallelUploads: opts.parallelUploads ?? 1,
  overridePatchMethod: opts.overridePatchMethod ?? false,
  metadata: { filename: opts.name ?? "upload.bin", filetype: "application/octet-stream" },
  retryDelays: [],
  urlStorage: opts.urlStorage ? new FileUrlStorage(opts.urlStorage) : undefined,
  storeFingerprintForResuming: Boolean(opts.urlStorage),
  removeFingerprintOnSuccess: false,
  onAfterResponse(req, res) {
    const override = req.getHeader("X-HTTP-Method-Override");
    requests.push(`${req.getMethod()}${override ? "/" + override : ""} ${res.getStatus()}`);
    fileId = res.getHeader("Compartilha-File-Id") ?? fileId;
  },
  onProgress(sent) {
    if (opts.stopAfter && sent >= opts.stopAfter && !stopping) {
      stopping = true;
      upload.abort().then(() => done({ ok: false, error: "stopped" }));
    }
  },
  onError(error) { done({ ok: false, error: String(error) }); },
  onSuccess() { done({ ok: true }); },
});

let resumed = false;
function done(result) {
  console.log(JSON.stringify({ ...result, url: upload.url, fileId, requests, resumed }));
  process.exit(0);
}

const previous = opts.urlStorage ? await upload.findPreviousUploads() : [];
if (previous.length) {
  resumed = true;
  upload.resumeFromPreviousUpload(previous[0]);
}
upload.start();
