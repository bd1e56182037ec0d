import { createContext, useContext } from "react";

/** The request's CSP nonce, provided by entry.server so Remix's inline scripts may run. */
export const NonceContext = createContext<string | undefined>(undefined);
export const useNonce = () => useContext(NonceContext);
