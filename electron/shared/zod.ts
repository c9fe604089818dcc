/**
 * zod, with its English messages switched on. zod sets them up as a side effect of its
 * entry module, which a bundler drops (zod's package says it has no side effects): the
 * engine is bundled with zod inside to start faster (electron.vite.config.ts), and the
 * renderer always was, so the messages people read ("Too big: expected string to have
 * <=64 characters") are configured here, once, for whatever imports the contract.
 */
import { z } from 'zod';

z.config(z.locales.en());

export { z };
