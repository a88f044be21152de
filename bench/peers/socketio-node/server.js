// Node socket.io peer for huizhen's fan-out benchmark (bench/fanout/run.py starts it).
// usage: node server.js PORT [msgpack]
// The driver connects with ?role=driver and emits "voi"/"ptr" with a binary payload; the
// server broadcasts each to the room "r" except the sender -- the textbook socket.io fan-out.
"use strict";
const http = require("http");
const { Server } = require("socket.io");

const port = Number(process.argv[2]);
const useMsgpack = process.argv[3] === "msgpack";
const options = { transports: ["websocket"], perMessageDeflate: false, serveClient: false };
if (useMsgpack) options.parser = require("socket.io-msgpack-parser");

const httpServer = http.createServer();
const io = new Server(httpServer, options);
io.on("connection", (socket) => {
  socket.join("r");
  socket.on("voi", (data) => socket.to("r").emit("voi", data));
  socket.on("ptr", (data) => socket.to("r").emit("ptr", data));
});
httpServer.listen(port, "127.0.0.1", () => console.log(`listening ${port}`));
process.on("SIGTERM", () => process.exit(0));
