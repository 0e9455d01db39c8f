// Original file: maprdb-server.proto


export interface PingResponse {
}

export interface PingResponse__Output {
}
