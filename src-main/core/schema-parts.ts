import { z } from 'zod';

// Config schema pieces shared by the config area and the channel plug-ins (core/channels), which the config
// schema imports: they live below both so that neither imports the other's index at load time.

/** `{ secret: NAME }`: the value lives in the keychain / env / secrets.json, never in vigil.yaml. */
export const SecretRef = z.object({ secret: z.string().regex(/^[A-Za-z0-9_-]+$/, 'secret names use letters, digits, - and _') }).strict();
export type SecretRef = z.infer<typeof SecretRef>;

/** The name of a channel, host, probe, route…: what other config entries refer to it by. */
export const Name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'expected a name of letters, digits, ".", "_" or "-"');
