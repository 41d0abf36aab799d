/** Development entry (tsx watch): start the server. The production bundle starts through launcher.ts. */
import { startServer } from './start';

await startServer();
