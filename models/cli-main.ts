import { main } from './cli.js';

// Exit explicitly: native handles (LanceDB, TensorFlow.js) would otherwise keep the process alive.
process.exit(await main(process.argv));
