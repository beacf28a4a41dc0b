/**
 * State paths the transports mark secret (`[*]` = every list item): the ACME private and account
 * keys. A module of its own, so the plugin's start-up does not load the lifecycle (or zod) for it.
 */
export const ACME_STATE_SECRET_PATHS = ["certificates[*].privateKeyPem", "acmeAccount.keyPem"] as const;
