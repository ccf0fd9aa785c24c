export * from "./ensure-redis.js";
