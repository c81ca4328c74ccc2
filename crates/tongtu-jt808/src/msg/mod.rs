//! Every modelled message as one [`Message`] enum, with body decoding and encoding
//! dispatched by message id. Each message lives in its own file beside this one.

mod m0001_general_response;
mod m0100_register;
mod m0102_auth;
mod m0107_attributes;
mod m0108_upgrade_result;
pub(crate) mod m0200_location;
mod m0201_location_response;
mod m0701_waybill;
mod m0702_driver;
mod m0704_batch;
mod m0705_can;
mod m0800_media_event;
mod m0801_media_upload;
mod m0805_shoot_response;
mod m0900_passthrough;
mod m8003_resend;
mod m8100_register_response;
mod m8103_params;
mod m8105_control;
mod m8202_tracking;
mod m8300_text;
mod m8500_vehicle_control;
mod m8600_areas;
mod m8801_camera;
mod m8802_media_search;

pub use m0001_general_response::{GeneralResponse, ResponseResult};
pub use m0100_register::Register;
pub use m0102_auth::Auth;
pub use m0107_attributes::Attributes;
pub use m0108_upgrade_result::UpgradeResult;
pub use m0200_location::{Extra, Location, STATUS_ACC_ON, STATUS_FIXED, STATUS_SOUTH, STATUS_WEST};
pub use m0201_location_response::LocationResponse;
pub use m0701_waybill::Waybill;
pub use m0702_driver::{DriverCard, DriverDetails, DriverIdentity};
pub use m0704_batch::LocationBatch;
pub use m0705_can::{CanData, CanItem};
pub use m0800_media_event::MediaEvent;
pub use m0801_media_upload::MediaUpload;
pub use m0805_shoot_response::ShootResponse;
pub use m0900_passthrough::Passthrough;
pub use m8003_resend::ResendRequest;
pub use m8100_register_response::{RegisterResponse, RegisterResult};
pub use m8103_params::{param_id, Param, ParamValue, ParamsResponse, QueryParams, SetParams};
pub use m8105_control::TerminalControl;
pub use m8202_tracking::TrackingControl;
pub use m8300_text::TextMessage;
pub use m8500_vehicle_control::VehicleControl;
pub use m8600_areas::{
    CircleArea, DeleteAreas, PolygonArea, RectangleArea, Route, RoutePoint, SetCircleAreas,
    SetRectangleAreas, SpeedLimit, TimeWindow,
};
pub use m8801_camera::ShootCommand;
pub use m8802_media_search::MediaSearch;

use crate::cursor::Reader;
use crate::error::{DecodeError, EncodeError};
use crate::header::ProtocolVersion;

/// Message ids.
pub mod id {
    /// Terminal general response.
    pub const TERMINAL_RESPONSE: u16 = 0x0001;
    /// Heartbeat.
    pub const HEARTBEAT: u16 = 0x0002;
    /// Terminal logout.
    pub const LOGOUT: u16 = 0x0003;
    /// Terminal registration.
    pub const REGISTER: u16 = 0x0100;
    /// Terminal authentication.
    pub const AUTH: u16 = 0x0102;
    /// Query parameters response.
    pub const PARAMS_RESPONSE: u16 = 0x0104;
    /// Terminal attributes response.
    pub const ATTRIBUTES: u16 = 0x0107;
    /// Upgrade result.
    pub const UPGRADE_RESULT: u16 = 0x0108;
    /// Location report.
    pub const LOCATION: u16 = 0x0200;
    /// Location query response.
    pub const LOCATION_RESPONSE: u16 = 0x0201;
    /// Vehicle control response.
    pub const VEHICLE_CONTROL_RESPONSE: u16 = 0x0500;
    /// Electronic waybill.
    pub const WAYBILL: u16 = 0x0701;
    /// Driver identity.
    pub const DRIVER_IDENTITY: u16 = 0x0702;
    /// Batch location upload.
    pub const LOCATION_BATCH: u16 = 0x0704;
    /// CAN bus data.
    pub const CAN_DATA: u16 = 0x0705;
    /// Multimedia event.
    pub const MEDIA_EVENT: u16 = 0x0800;
    /// Multimedia data upload.
    pub const MEDIA_UPLOAD: u16 = 0x0801;
    /// Camera shoot-now response.
    pub const SHOOT_RESPONSE: u16 = 0x0805;
    /// Uplink pass-through.
    pub const PASSTHROUGH: u16 = 0x0900;
    /// Platform general response.
    pub const PLATFORM_RESPONSE: u16 = 0x8001;
    /// Resend subpackages request.
    pub const RESEND_REQUEST: u16 = 0x8003;
    /// Registration response.
    pub const REGISTER_RESPONSE: u16 = 0x8100;
    /// Set parameters.
    pub const SET_PARAMS: u16 = 0x8103;
    /// Query all parameters.
    pub const QUERY_ALL_PARAMS: u16 = 0x8104;
    /// Terminal control.
    pub const TERMINAL_CONTROL: u16 = 0x8105;
    /// Query given parameters.
    pub const QUERY_PARAMS: u16 = 0x8106;
    /// Location query.
    pub const QUERY_LOCATION: u16 = 0x8201;
    /// Temporary tracking control.
    pub const TRACKING_CONTROL: u16 = 0x8202;
    /// Text message.
    pub const TEXT: u16 = 0x8300;
    /// Vehicle control.
    pub const VEHICLE_CONTROL: u16 = 0x8500;
    /// Set circle areas.
    pub const SET_CIRCLE_AREAS: u16 = 0x8600;
    /// Delete circle areas.
    pub const DELETE_CIRCLE_AREAS: u16 = 0x8601;
    /// Set rectangle areas.
    pub const SET_RECTANGLE_AREAS: u16 = 0x8602;
    /// Delete rectangle areas.
    pub const DELETE_RECTANGLE_AREAS: u16 = 0x8603;
    /// Set polygon area.
    pub const SET_POLYGON_AREA: u16 = 0x8604;
    /// Delete polygon areas.
    pub const DELETE_POLYGON_AREAS: u16 = 0x8605;
    /// Set route.
    pub const SET_ROUTE: u16 = 0x8606;
    /// Delete routes.
    pub const DELETE_ROUTES: u16 = 0x8607;
    /// Camera shoot now.
    pub const SHOOT_NOW: u16 = 0x8801;
    /// Stored multimedia search.
    pub const MEDIA_SEARCH: u16 = 0x8802;
}

/// A decoded message body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Message {
    /// 0x0001 terminal general response.
    TerminalResponse(GeneralResponse),
    /// 0x0002 heartbeat.
    Heartbeat,
    /// 0x0003 terminal logout.
    Logout,
    /// 0x0100 registration.
    Register(Register),
    /// 0x0102 authentication.
    Auth(Auth),
    /// 0x0104 query parameters response.
    ParamsResponse(ParamsResponse),
    /// 0x0107 terminal attributes.
    Attributes(Attributes),
    /// 0x0108 upgrade result.
    UpgradeResult(UpgradeResult),
    /// 0x0200 location report.
    Location(Location),
    /// 0x0201 location query response.
    LocationResponse(LocationResponse),
    /// 0x0500 vehicle control response.
    VehicleControlResponse(LocationResponse),
    /// 0x0701 electronic waybill.
    Waybill(Waybill),
    /// 0x0702 driver identity.
    DriverIdentity(DriverIdentity),
    /// 0x0704 batch location upload.
    LocationBatch(LocationBatch),
    /// 0x0705 CAN bus data.
    CanData(CanData),
    /// 0x0800 multimedia event.
    MediaEvent(MediaEvent),
    /// 0x0801 multimedia data upload.
    MediaUpload(MediaUpload),
    /// 0x0805 shoot-now response.
    ShootResponse(ShootResponse),
    /// 0x0900 uplink pass-through.
    Passthrough(Passthrough),
    /// 0x8001 platform general response.
    PlatformResponse(GeneralResponse),
    /// 0x8003 resend subpackages request.
    ResendRequest(ResendRequest),
    /// 0x8100 registration response.
    RegisterResponse(RegisterResponse),
    /// 0x8103 set parameters.
    SetParams(SetParams),
    /// 0x8104 query all parameters.
    QueryAllParams,
    /// 0x8105 terminal control.
    TerminalControl(TerminalControl),
    /// 0x8106 query given parameters.
    QueryParams(QueryParams),
    /// 0x8201 location query.
    QueryLocation,
    /// 0x8202 temporary tracking control.
    TrackingControl(TrackingControl),
    /// 0x8300 text message.
    Text(TextMessage),
    /// 0x8500 vehicle control.
    VehicleControl(VehicleControl),
    /// 0x8600 set circle areas.
    SetCircleAreas(SetCircleAreas),
    /// 0x8601 delete circle areas.
    DeleteCircleAreas(DeleteAreas),
    /// 0x8602 set rectangle areas.
    SetRectangleAreas(SetRectangleAreas),
    /// 0x8603 delete rectangle areas.
    DeleteRectangleAreas(DeleteAreas),
    /// 0x8604 set polygon area.
    SetPolygonArea(PolygonArea),
    /// 0x8605 delete polygon areas.
    DeletePolygonAreas(DeleteAreas),
    /// 0x8606 set route.
    SetRoute(Route),
    /// 0x8607 delete routes.
    DeleteRoutes(DeleteAreas),
    /// 0x8801 camera shoot now.
    ShootNow(ShootCommand),
    /// 0x8802 stored multimedia search.
    MediaSearch(MediaSearch),
    /// Any other id, a subpackage fragment, or a body kept undecoded.
    Raw {
        /// Message id.
        msg_id: u16,
        /// Body bytes.
        body: Vec<u8>,
    },
}

impl Message {
    /// The message id this body is sent under.
    pub fn msg_id(&self) -> u16 {
        use Message as M;
        match self {
            M::TerminalResponse(_) => id::TERMINAL_RESPONSE,
            M::Heartbeat => id::HEARTBEAT,
            M::Logout => id::LOGOUT,
            M::Register(_) => id::REGISTER,
            M::Auth(_) => id::AUTH,
            M::ParamsResponse(_) => id::PARAMS_RESPONSE,
            M::Attributes(_) => id::ATTRIBUTES,
            M::UpgradeResult(_) => id::UPGRADE_RESULT,
            M::Location(_) => id::LOCATION,
            M::LocationResponse(_) => id::LOCATION_RESPONSE,
            M::VehicleControlResponse(_) => id::VEHICLE_CONTROL_RESPONSE,
            M::Waybill(_) => id::WAYBILL,
            M::DriverIdentity(_) => id::DRIVER_IDENTITY,
            M::LocationBatch(_) => id::LOCATION_BATCH,
            M::CanData(_) => id::CAN_DATA,
            M::MediaEvent(_) => id::MEDIA_EVENT,
            M::MediaUpload(_) => id::MEDIA_UPLOAD,
            M::ShootResponse(_) => id::SHOOT_RESPONSE,
            M::Passthrough(_) => id::PASSTHROUGH,
            M::PlatformResponse(_) => id::PLATFORM_RESPONSE,
            M::ResendRequest(_) => id::RESEND_REQUEST,
            M::RegisterResponse(_) => id::REGISTER_RESPONSE,
            M::SetParams(_) => id::SET_PARAMS,
            M::QueryAllParams => id::QUERY_ALL_PARAMS,
            M::TerminalControl(_) => id::TERMINAL_CONTROL,
            M::QueryParams(_) => id::QUERY_PARAMS,
            M::QueryLocation => id::QUERY_LOCATION,
            M::TrackingControl(_) => id::TRACKING_CONTROL,
            M::Text(_) => id::TEXT,
            M::VehicleControl(_) => id::VEHICLE_CONTROL,
            M::SetCircleAreas(_) => id::SET_CIRCLE_AREAS,
            M::DeleteCircleAreas(_) => id::DELETE_CIRCLE_AREAS,
            M::SetRectangleAreas(_) => id::SET_RECTANGLE_AREAS,
            M::DeleteRectangleAreas(_) => id::DELETE_RECTANGLE_AREAS,
            M::SetPolygonArea(_) => id::SET_POLYGON_AREA,
            M::DeletePolygonAreas(_) => id::DELETE_POLYGON_AREAS,
            M::SetRoute(_) => id::SET_ROUTE,
            M::DeleteRoutes(_) => id::DELETE_ROUTES,
            M::ShootNow(_) => id::SHOOT_NOW,
            M::MediaSearch(_) => id::MEDIA_SEARCH,
            M::Raw { msg_id, .. } => *msg_id,
        }
    }

    /// Decodes a whole (reassembled, unencrypted) body of message `msg_id`. Unknown ids
    /// give [`Message::Raw`]. Offsets in errors count from the start of `body`.
    pub fn decode(msg_id: u16, v: ProtocolVersion, body: &[u8]) -> Result<Message, DecodeError> {
        use Message as M;
        let r = &mut Reader::new(body);
        let m = match msg_id {
            id::TERMINAL_RESPONSE => M::TerminalResponse(GeneralResponse::decode(r)?),
            id::HEARTBEAT => M::Heartbeat,
            id::LOGOUT => M::Logout,
            id::REGISTER => M::Register(Register::decode(r, v)?),
            id::AUTH => M::Auth(Auth::decode(r, v)?),
            id::PARAMS_RESPONSE => M::ParamsResponse(ParamsResponse::decode(r)?),
            id::ATTRIBUTES => M::Attributes(Attributes::decode(r, v)?),
            id::UPGRADE_RESULT => M::UpgradeResult(UpgradeResult::decode(r)?),
            id::LOCATION => M::Location(Location::decode(r)?),
            id::LOCATION_RESPONSE => M::LocationResponse(LocationResponse::decode(r)?),
            id::VEHICLE_CONTROL_RESPONSE => M::VehicleControlResponse(LocationResponse::decode(r)?),
            id::WAYBILL => M::Waybill(Waybill::decode(r)?),
            id::DRIVER_IDENTITY => M::DriverIdentity(DriverIdentity::decode(r, v)?),
            id::LOCATION_BATCH => M::LocationBatch(LocationBatch::decode(r)?),
            id::CAN_DATA => M::CanData(CanData::decode(r)?),
            id::MEDIA_EVENT => M::MediaEvent(MediaEvent::decode(r)?),
            id::MEDIA_UPLOAD => M::MediaUpload(MediaUpload::decode(r)?),
            id::SHOOT_RESPONSE => M::ShootResponse(ShootResponse::decode(r)?),
            id::PASSTHROUGH => M::Passthrough(Passthrough::decode(r)?),
            id::PLATFORM_RESPONSE => M::PlatformResponse(GeneralResponse::decode(r)?),
            id::RESEND_REQUEST => M::ResendRequest(ResendRequest::decode(r, v)?),
            id::REGISTER_RESPONSE => M::RegisterResponse(RegisterResponse::decode(r)?),
            id::SET_PARAMS => M::SetParams(SetParams::decode(r)?),
            id::QUERY_ALL_PARAMS => M::QueryAllParams,
            id::TERMINAL_CONTROL => M::TerminalControl(TerminalControl::decode(r)?),
            id::QUERY_PARAMS => M::QueryParams(QueryParams::decode(r)?),
            id::QUERY_LOCATION => M::QueryLocation,
            id::TRACKING_CONTROL => M::TrackingControl(TrackingControl::decode(r)?),
            id::TEXT => M::Text(TextMessage::decode(r, v)?),
            id::VEHICLE_CONTROL => M::VehicleControl(VehicleControl::decode(r, v)?),
            id::SET_CIRCLE_AREAS => M::SetCircleAreas(SetCircleAreas::decode(r, v)?),
            id::DELETE_CIRCLE_AREAS => M::DeleteCircleAreas(DeleteAreas::decode(r)?),
            id::SET_RECTANGLE_AREAS => M::SetRectangleAreas(SetRectangleAreas::decode(r, v)?),
            id::DELETE_RECTANGLE_AREAS => M::DeleteRectangleAreas(DeleteAreas::decode(r)?),
            id::SET_POLYGON_AREA => M::SetPolygonArea(PolygonArea::decode(r, v)?),
            id::DELETE_POLYGON_AREAS => M::DeletePolygonAreas(DeleteAreas::decode(r)?),
            id::SET_ROUTE => M::SetRoute(Route::decode(r, v)?),
            id::DELETE_ROUTES => M::DeleteRoutes(DeleteAreas::decode(r)?),
            id::SHOOT_NOW => M::ShootNow(ShootCommand::decode(r)?),
            id::MEDIA_SEARCH => M::MediaSearch(MediaSearch::decode(r)?),
            _ => {
                let body = r.rest().to_vec();
                M::Raw { msg_id, body }
            }
        };
        r.finish("message body")?;
        Ok(m)
    }

    /// Appends the body for protocol revision `version`.
    pub fn encode_body(
        &self,
        version: ProtocolVersion,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        use Message as M;
        let v = version;
        match self {
            M::TerminalResponse(m) | M::PlatformResponse(m) => m.encode(out),
            M::Heartbeat | M::Logout | M::QueryAllParams | M::QueryLocation => {}
            M::Register(m) => m.encode(v, out)?,
            M::Auth(m) => m.encode(v, out)?,
            M::ParamsResponse(m) => m.encode(out)?,
            M::Attributes(m) => m.encode(v, out)?,
            M::UpgradeResult(m) => m.encode(out),
            M::Location(m) => m.encode(out)?,
            M::LocationResponse(m) | M::VehicleControlResponse(m) => m.encode(out)?,
            M::Waybill(m) => m.encode(out)?,
            M::DriverIdentity(m) => m.encode(v, out)?,
            M::LocationBatch(m) => m.encode(out)?,
            M::CanData(m) => m.encode(out)?,
            M::MediaEvent(m) => m.encode(out),
            M::MediaUpload(m) => m.encode(out)?,
            M::ShootResponse(m) => m.encode(out)?,
            M::Passthrough(m) => m.encode(out),
            M::ResendRequest(m) => m.encode(v, out)?,
            M::RegisterResponse(m) => m.encode(out)?,
            M::SetParams(m) => m.encode(out)?,
            M::TerminalControl(m) => m.encode(out)?,
            M::QueryParams(m) => m.encode(out)?,
            M::TrackingControl(m) => m.encode(out),
            M::Text(m) => m.encode(v, out)?,
            M::VehicleControl(m) => m.encode(out),
            M::SetCircleAreas(m) => m.encode(v, out)?,
            M::SetRectangleAreas(m) => m.encode(v, out)?,
            M::SetPolygonArea(m) => m.encode(v, out)?,
            M::SetRoute(m) => m.encode(v, out)?,
            M::DeleteCircleAreas(m)
            | M::DeleteRectangleAreas(m)
            | M::DeletePolygonAreas(m)
            | M::DeleteRoutes(m) => m.encode(out)?,
            M::ShootNow(m) => m.encode(out),
            M::MediaSearch(m) => m.encode(out),
            M::Raw { body, .. } => out.extend_from_slice(body),
        }
        Ok(())
    }
}
