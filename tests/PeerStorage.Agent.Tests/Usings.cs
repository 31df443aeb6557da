global using PeerStorage;
