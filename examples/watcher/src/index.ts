// Replaced by the service's code.
export {};
