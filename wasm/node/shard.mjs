// shard.mjs is one shard of a Node pool (useShards in bertology.mjs): a worker thread running a lab of
// its own, which answers {id, op, ...fields} messages as public/worker.js does for a browser's pool.
import { parentPort, workerData } from "node:worker_threads";
import { loadBertology } from "./bertology.mjs";

const lab = await loadBertology(workerData);
parentPort.on("message", async msg => {
	const { id } = msg;
	try {
		parentPort.postMessage({ id, result: await lab.handle(msg) });
	} catch (err) {
		const error = err && err.message ? err.message : String(err);
		// A lab whose Go program ended lost the model: the pool replaces this shard.
		parentPort.postMessage(err && err.exited ? { id, error, exited: true } : { id, error });
	}
});
