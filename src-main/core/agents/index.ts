// The agents area (Hermes, NemoTron, OpenClaw, ElephantAlpha) as the rest of Vigil sees it.
export { wireAgents, healGateway, type Agents, type AgentDeps } from './wire';
export { TelegramUpdate, type CallbackOutcome } from './elephant/telegram';
export { createHermes } from './hermes/hermes';
export { timeboxed, type TimeboxOutcome, type Triager } from './hermes/triager';
